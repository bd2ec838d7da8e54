"""Mounted at the site's root: the seal lives in the personal center, verification is public."""

from django.urls import path

from . import views

app_name = "esign"

urlpatterns = [
    path("center/seal/", views.seal, name="seal"),
    path("center/seal/<int:pk>/image.png", views.seal_image, name="seal_image"),
    path("esign/verify/", views.verify, name="verify"),
]
