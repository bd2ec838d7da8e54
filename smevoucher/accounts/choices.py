from django.db import models
from django.utils.translation import gettext_lazy as _


class SmsPurpose(models.TextChoices):
    REGISTER = "register", _("注册")
    LOGIN = "login", _("登录")
    RESET_PASSWORD = "reset_password", _("找回密码")
    CHANGE_PHONE = "change_phone", _("更换手机号")
    CERTIFY = "certify", _("机构认证确认")
    SEAL = "seal", _("制作签章")
    SIGN = "sign", _("签署合同")
