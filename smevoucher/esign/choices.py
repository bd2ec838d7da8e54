from django.db import models
from django.utils.translation import gettext_lazy as _


class IdentityMethod(models.TextChoices):
    """How the person who made a seal proved who they are."""

    SMS = "sms", _("短信验证码")
    FACE = "face", _("人脸核验")
