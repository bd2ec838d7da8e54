from django.urls import path

from . import views, views_demands

app_name = "community"

urlpatterns = [
    path("", views.messages_page, name="messages"),
    path("<int:pk>/", views.message, name="message"),
    path("staff/", views.staff, name="staff"),
    path("demands/", views_demands.board, name="demands"),
    path("demands/mine/", views_demands.mine, name="my_demands"),
    path("demands/<int:pk>/", views_demands.demand, name="demand"),
]
