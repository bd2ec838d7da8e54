from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProgramsConfig(AppConfig):
    name = "smevoucher.programs"
    label = "programs"
    verbose_name = _("服务券项目")
