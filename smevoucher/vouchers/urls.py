from django.urls import path

from . import views

app_name = "vouchers"

urlpatterns = [
    path("", views.voucher_list, name="list"),
    path("sweep-preview/", views.sweep_preview, name="sweep_preview"),
    path("<str:number>/", views.voucher_detail, name="detail"),
]
