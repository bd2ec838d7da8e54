"""The platform's own certificate authority and each organization's e-seal (签章): a signing
key and certificate issued by that CA, with the round red seal image drawn for it. Private
keys are kept encrypted (core.crypto)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from smevoucher.core.fields import EncryptedTextField
from smevoucher.orgs.models import Organization

from .choices import IdentityMethod


class PlatformCA(models.Model):
    """The root of trust of the platform's signatures (one row)."""

    singleton = models.BooleanField(default=True, unique=True)
    certificate_pem = models.TextField()
    private_key_pem = EncryptedTextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("平台签章根证书")
        verbose_name_plural = _("平台签章根证书")

    def __str__(self) -> str:
        return "platform CA"


class OrgSeal(models.Model):
    """An organization's e-seal: its signing key (encrypted) and certificate, issued by the
    platform CA, and the seal image shown where it signs. One in force per organization."""

    org = models.ForeignKey(
        Organization, verbose_name=_("机构"), on_delete=models.PROTECT, related_name="seals"
    )
    certificate_pem = models.TextField(_("签章证书"))
    private_key_pem = EncryptedTextField()
    serial = models.CharField(_("证书序列号"), max_length=64)
    valid_until = models.DateTimeField(_("证书有效期至"))
    image_png = models.BinaryField(_("签章图片"))
    made_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("制作人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    identity_method = models.CharField(
        _("身份核验方式"), max_length=20, choices=IdentityMethod.choices
    )
    created_at = models.DateTimeField(_("制作时间"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("注销时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("电子签章")
        verbose_name_plural = _("电子签章")
        constraints = [
            models.UniqueConstraint(
                fields=["org"], condition=Q(revoked_at__isnull=True), name="one_active_seal_per_org"
            )
        ]

    def __str__(self) -> str:
        return f"{self.org_id} seal {self.serial}"
