from django.urls import path

from . import views

app_name = "esign"

urlpatterns = [
    path("seal/", views.seal, name="seal"),
    path("seal/image/", views.seal_image, name="seal_image"),
    path("verify/", views.verify, name="verify"),
]
