from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "smevoucher.api"
    label = "api"
