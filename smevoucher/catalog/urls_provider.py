from django.urls import path

from . import views_provider as views

app_name = "provider_products"

urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.create, name="create"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/action/", views.action, name="action"),
    path("<int:pk>/delete/", views.delete, name="delete"),
]
