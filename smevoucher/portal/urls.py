from django.urls import path

from . import views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("center/", views.center, name="center"),
    path("healthz", views.healthz, name="healthz"),
    path("agreement/", views.agreement, name="agreement"),
    path("privacy/", views.privacy, name="privacy"),
    path("staff/dashboard/", views.dashboard, name="dashboard"),
]
