from django.urls import path

from . import views

app_name = "settlements"

urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.new, name="new"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/export/<str:kind>/", views.export, name="export"),
    path("<int:pk>/submit/", views.submit, name="submit"),
    path("staff/", views.staff_index, name="staff"),
    path("staff/<int:pk>/", views.staff_detail, name="staff_detail"),
    path("staff/<int:pk>/paper/", views.paper, name="paper"),
    path("staff/<int:pk>/pay/", views.pay, name="pay"),
    path("staff/lines/<int:line_id>/cut/", views.cut, name="cut"),
    path("staff/notices/publish/", views.publish, name="publish"),
    path("staff/objections/<int:objection_id>/", views.answer, name="answer"),
    path("notices/", views.notices, name="notices"),
    path("notices/<int:pk>/", views.notice, name="notice"),
]
