from django.urls import path

from . import views

app_name = "catalog"

urlpatterns = [
    path("", views.index, name="index"),
    path("favourites/", views.favourites, name="favourites"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/favourite/", views.favourite, name="favourite"),
]
