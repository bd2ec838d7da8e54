from django.urls import path

from . import views

app_name = "staff"

urlpatterns = [
    path("", views.people, name="people"),
    path("new/", views.people_create, name="people_create"),
    path("<int:user_id>/", views.person, name="person"),
    path("<int:user_id>/active/", views.person_set_active, name="person_set_active"),
    path("<int:user_id>/otp-reset/", views.person_otp_reset, name="person_otp_reset"),
]
