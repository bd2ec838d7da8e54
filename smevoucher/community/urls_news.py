from django.urls import path

from . import views_news

app_name = "news"

urlpatterns = [
    path("", views_news.articles, name="index"),
    path("<int:pk>/", views_news.article, name="article"),
    path("<int:pk>/files/<uuid:upload_id>/", views_news.article_file, name="file"),
    path("help/", views_news.help_center, name="help"),
    path("staff/", views_news.staff_articles, name="staff"),
]
