from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "smevoucher.core"
    label = "core"
