from django.urls import path

from . import views

app_name = "reviews"

urlpatterns = [
    path("", views.workbench, name="workbench"),
    path("<int:pk>/", views.detail, name="detail"),
    path("chains/", views.chains, name="chains"),
    path("chains/<slug:kind>/", views.chain_edit, name="chain_edit"),
]

# Mounted at staff/calendar/ under the "calendar" namespace (see smevoucher/urls.py).
calendar_urlpatterns = [
    path("", views.calendar, name="index"),
    path("remove/", views.calendar_remove, name="remove"),
]
