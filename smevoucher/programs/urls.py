from django.urls import path

from . import views

app_name = "programs"

urlpatterns = [
    path("", views.program_list, name="list"),
    path("new/", views.program_new, name="new"),
    path("<int:pk>/", views.program_detail, name="detail"),
    path("<int:pk>/versions/new/", views.program_publish, name="publish"),
]
