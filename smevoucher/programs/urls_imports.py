from django.urls import path

from . import views_imports as views

app_name = "classifications"

urlpatterns = [
    path("", views.index, name="index"),
    path("upload/", views.upload, name="upload"),
    path("programs/<int:program_id>/", views.program, name="program"),
    path("programs/<int:program_id>/remove/", views.remove, name="remove"),
    path("imports/<int:import_id>/", views.import_detail, name="import"),
    path("imports/<int:import_id>/progress/", views.import_progress, name="import_progress"),
    path("imports/<int:import_id>/refused.csv", views.import_refused_csv, name="import_refused"),
]
