from django.urls import path

from . import views

app_name = "community"

urlpatterns = [
    path("", views.messages_page, name="messages"),
    path("<int:pk>/", views.message, name="message"),
    path("staff/", views.staff, name="staff"),
]
