from django.urls import path

from . import views

app_name = "orders"

urlpatterns = [
    path("new/", views.new, name="new"),
    path("mine/", views.mine, name="mine"),
    path("service/", views.provider, name="provider"),
    path("staff/", views.staff_list, name="staff"),
    path("<str:number>/", views.detail, name="detail"),
    path("<str:number>/act/<str:action>/", views.act, name="act"),
    path("<str:number>/contract/", views.contract, name="contract"),
    path("<str:number>/contract/decide/", views.contract_decide, name="contract_decide"),
    path("<str:number>/contract/sign/", views.contract_sign, name="contract_sign"),
    path("<str:number>/voucher/", views.apply_voucher, name="apply_voucher"),
    path("<str:number>/remit/", views.remit, name="remit"),
    path(
        "<str:number>/remittances/<int:remittance_id>/",
        views.remittance_decide,
        name="remittance_decide",
    ),
    path("<str:number>/service/", views.service, name="service"),
    path("<str:number>/evaluate/", views.evaluate, name="evaluate"),
    path("<str:number>/refund/", views.refund, name="refund"),
]
