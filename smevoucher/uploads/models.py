import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def _random_path(instance: "Upload", filename: str) -> str:
    # Stored under a random name: the original name is kept only as data.
    extension = {"application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpg"}[
        instance.content_type
    ]
    now = timezone.now()
    return f"uploads/{now:%Y/%m}/{uuid.uuid4().hex}.{extension}"


class Upload(models.Model):
    """A file someone uploaded: checked by content, served only to who may see its owner."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="uploads"
    )
    purpose = models.CharField(_("用途"), max_length=50, db_index=True)
    file = models.FileField(_("文件"), upload_to=_random_path, max_length=200)
    original_name = models.CharField(_("原文件名"), max_length=200)
    content_type = models.CharField(_("类型"), max_length=50)
    size = models.PositiveIntegerField(_("大小"))
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(_("上传时间"), default=timezone.now)

    class Meta:
        verbose_name = _("上传文件")
        verbose_name_plural = _("上传文件")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.original_name

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")
