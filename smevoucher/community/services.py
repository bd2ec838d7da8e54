"""Writing to the platform and answering (我要留言)."""

from __future__ import annotations

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from smevoucher.audit.services import audit_record
from smevoucher.core.errors import DomainError, NotFound
from smevoucher.core.i18n import platform_text
from smevoucher.notifications.services import notify
from smevoucher.orgs.selectors import org_acting_for
from smevoucher.staff.permissions import in_jurisdiction

from .models import Message, MessageReply, MessageStatus

TITLE_MAX = 100
CONTENT_MAX = 1000


def _text(value: str, *, field: str, limit: int, label) -> str:
    value = (value or "").strip()
    if not value:
        raise DomainError(f"message.{field}", _("请填写%(label)s") % {"label": label}, field=field)
    if len(value) > limit:
        raise DomainError(
            f"message.{field}_too_long",
            _("%(label)s不能超过%(max)d个字（当前%(n)d个字）")
            % {"label": label, "max": limit, "n": len(value)},
            field=field,
        )
    return value


@transaction.atomic
def message_create(*, actor, title: str, content: str, region_code: str = "") -> Message:
    """Write to the platform. It goes to the staff of the writer's organization's region, or
    of the region chosen when the writer acts for no organization."""
    if not getattr(actor, "is_authenticated", False) or actor.is_staff:
        raise DomainError("message.forbidden", _("请使用企业或服务机构账号留言"), status=403)
    title = _text(title, field="title", limit=TITLE_MAX, label=_("标题"))
    content = _text(content, field="content", limit=CONTENT_MAX, label=_("留言内容"))
    org = org_acting_for(actor)
    region = org.region_code if org else (region_code or "").strip()
    from smevoucher.regions.models import Region

    if not region or not Region.objects.filter(code=region).exists():
        raise DomainError("message.region", _("请选择留言所属地区"), field="region")
    message = Message.objects.create(author=actor, region_code=region, title=title, content=content)
    audit_record(actor=actor, subject=message, action="message.created", data={"region": region})
    return message


def _message_for(actor, message_id: int) -> tuple[Message, bool]:
    message = Message.objects.select_for_update().filter(pk=message_id).first()
    if message is None:
        raise NotFound()
    if actor.is_staff:
        if not (actor.is_superuser or in_jurisdiction(actor, message.region_code)):
            raise NotFound()
        return message, True
    if message.author_id != actor.pk:
        raise NotFound()
    return message, False


@transaction.atomic
def message_reply(*, actor, message_id: int, content: str) -> MessageReply:
    """A reply in the thread: staff of the message's region answer it; the writer may add
    to it, which puts it back in the queue."""
    message, by_staff = _message_for(actor, message_id)
    content = _text(content, field="content", limit=CONTENT_MAX, label=_("回复内容"))
    reply = MessageReply.objects.create(
        message=message, author=actor, by_staff=by_staff, content=content
    )
    now = timezone.now()
    if by_staff:
        message.status, message.answered_at = MessageStatus.ANSWERED, now
        message.save(update_fields=["status", "answered_at"])
        notify(
            user=message.author,
            title=platform_text(
                gettext_lazy("您的留言“%(title)s”有了回复"), {"title": message.title}
            ),
            link=reverse("community:message", args=[message.pk]),
        )
    elif message.status != MessageStatus.OPEN:
        message.status, message.waiting_since = MessageStatus.OPEN, now
        message.save(update_fields=["status", "waiting_since"])
    audit_record(
        actor=actor,
        subject=message,
        action="message.replied",
        to_state=message.status,
        data={"by_staff": by_staff},
    )
    return reply


# --- notices, policies, guides and help contacts (staff publish; everyone reads) ---


def _may_publish(actor) -> None:
    from smevoucher.staff.choices import StaffRole
    from smevoucher.staff.permissions import has_role, staff_region

    if not (
        getattr(actor, "is_superuser", False)
        or (
            staff_region(actor)
            and (has_role(actor, StaffRole.SYSADMIN) or has_role(actor, StaffRole.APPROVER))
        )
    ):
        raise DomainError("article.forbidden", _("只有审批人或系统管理员可以发布"), status=403)


@transaction.atomic
def article_publish(*, actor, kind: str, title: str, body: str, publisher_name: str = "", files=()):
    """Publish a notice (通知公告), policy document or operation guide, with attachments."""
    from smevoucher.staff.permissions import staff_region
    from smevoucher.uploads.services import upload_create

    from .models import Article, ArticleKind

    _may_publish(actor)
    if kind not in ArticleKind.values:
        raise DomainError("article.kind", _("请选择类别"), field="kind")
    title = _text(title, field="title", limit=200, label=_("标题"))
    body = _text(body, field="body", limit=20000, label=_("正文"))
    region = staff_region(actor)
    article = Article.objects.create(
        kind=kind,
        region_code=region.code if region else "",
        publisher_name=(publisher_name or "").strip()[:100]
        or (region.name if region else _("平台")),
        title=title,
        body=body,
        published_by=actor,
    )
    uploads = [
        upload_create(record=False, actor=actor, uploaded=f, purpose="article_attachment")
        for f in files
    ]
    if uploads:
        article.attachments.add(*uploads)
    audit_record(
        actor=actor,
        subject=article,
        action="article.published",
        data={"kind": kind, "files": len(uploads)},
    )
    return article


@transaction.atomic
def article_withdraw(*, actor, article_id: int):
    """Take a published article down (it stays in the audit)."""
    from .models import Article

    _may_publish(actor)
    article = (
        Article.objects.select_for_update().filter(pk=article_id, withdrawn_at__isnull=True).first()
    )
    if article is None or not (
        actor.is_superuser or in_jurisdiction(actor, article.region_code or "")
    ):
        raise NotFound()
    article.withdrawn_at = timezone.now()
    article.save(update_fields=["withdrawn_at"])
    audit_record(actor=actor, subject=article, action="article.withdrawn")
    return article


@transaction.atomic
def help_contact_save(*, actor, unit: str, phone: str, email: str = "", hours: str = ""):
    """Set the help contact of the staff member's region (帮助中心)."""
    from django.core.exceptions import ValidationError
    from django.core.validators import validate_email

    from smevoucher.staff.permissions import staff_region

    from .models import HelpContact

    _may_publish(actor)
    region = staff_region(actor)
    if region is None:
        raise DomainError("help.region", _("请先设置工作人员所属地区"), status=403)
    unit = _text(unit, field="unit", limit=100, label=_("承办单位"))
    phone = _text(phone, field="phone", limit=50, label=_("咨询电话"))
    email = (email or "").strip()
    if email:
        try:
            validate_email(email)
        except ValidationError as exc:
            raise DomainError("help.email", _("请填写正确的电子邮箱"), field="email") from exc
    contact, _created = HelpContact.objects.update_or_create(
        region_code=region.code,
        defaults={
            "unit": unit,
            "phone": phone,
            "email": email,
            "hours": (hours or "").strip()[:100],
        },
    )
    audit_record(actor=actor, subject=contact, action="help.saved", data={"region": region.code})
    return contact
