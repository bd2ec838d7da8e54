from django.urls import path

from . import views_staff as views

app_name = "providers_staff"

urlpatterns = [
    path("", views.index, name="index"),
    path("<int:provider_id>/", views.detail, name="detail"),
    path("<int:provider_id>/suspend/", views.suspend, name="suspend"),
    path("<int:provider_id>/reinstate/", views.reinstate, name="reinstate"),
    path("directory/", views.directory, name="directory"),
    path("directory/upload/", views.directory_upload, name="directory_upload"),
    path("directory/programs/<int:program_id>/", views.directory_program, name="directory_program"),
    path(
        "directory/entries/<int:entry_id>/remove/", views.directory_remove, name="directory_remove"
    ),
    path("directory/imports/<int:import_id>/", views.directory_import, name="directory_import"),
    path(
        "directory/imports/<int:import_id>/progress/",
        views.directory_import_progress,
        name="directory_import_progress",
    ),
    path(
        "directory/imports/<int:import_id>/refused.csv",
        views.directory_import_refused,
        name="directory_import_refused",
    ),
]
