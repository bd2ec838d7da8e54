from django.urls import path

from . import views

app_name = "orgs"

urlpatterns = [
    path("", views.certification, name="certification"),
    path("regions/", views.regions, name="regions"),
    path("agent/", views.agent, name="agent"),
    path("bank/", views.bank, name="bank"),
    path("changes/", views.changes, name="changes"),
]
