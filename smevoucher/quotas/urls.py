from django.urls import path

from . import views

app_name = "quotas"

urlpatterns = [
    path("", views.index, name="index"),
    path("<int:program_id>/<slug:voucher_type>/", views.apply, name="apply"),
    path("applications/<int:application_id>/withdraw/", views.withdraw, name="withdraw"),
]
