from django.urls import path

from . import views

app_name = "providers"

urlpatterns = [
    path("", views.index, name="index"),
    path("apply/<int:program_id>/", views.apply, name="apply"),
    path("<int:provider_id>/", views.detail, name="detail"),
    path("<int:provider_id>/withdraw/", views.withdraw, name="withdraw"),
]
