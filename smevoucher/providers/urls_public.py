from django.urls import path

from . import views_public as views

app_name = "providers_public"

urlpatterns = [
    path("", views.index, name="index"),
    path("<int:provider_id>/", views.detail, name="detail"),
]
