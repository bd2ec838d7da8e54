from django.urls import path

from . import views

app_name = "vouchers"

urlpatterns = [
    path("", views.voucher_list, name="list"),
    path("<str:number>/", views.voucher_detail, name="detail"),
]
