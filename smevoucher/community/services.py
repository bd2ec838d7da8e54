"""Writing to the platform and answering (我要留言)."""

from __future__ import annotations

from django.db import IntegrityError, transaction
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


# --- enterprise demands (企业需求) ---

DEMAND_CONTENT_MAX = 300


def _demand_fields(
    *, name: str, category: str, contact_phone: str, budget_fen, content: str
) -> dict:
    from smevoucher.core.phone import normalize_phone

    name = _text(name, field="name", limit=100, label=_("需求名称"))
    category = _text(category, field="category", limit=50, label=_("服务类别"))
    content = _text(content, field="content", limit=DEMAND_CONTENT_MAX, label=_("需求内容"))
    try:
        phone = normalize_phone(contact_phone)
    except DomainError as exc:
        raise DomainError("demand.phone", _("请填写正确的联系电话"), field="contact_phone") from exc
    if budget_fen is not None and (not isinstance(budget_fen, int) or budget_fen <= 0):
        raise DomainError("demand.budget", _("请填写正确的预算金额"), field="budget")
    return {
        "name": name,
        "category": category,
        "contact_phone": phone,
        "budget_fen": budget_fen,
        "content": content,
    }


@transaction.atomic
def demand_submit(
    *,
    actor,
    name: str,
    category: str,
    contact_phone: str,
    content: str,
    budget_fen: int | None = None,
):
    """A certified enterprise publishes a demand: it goes to the review of its region."""
    from smevoucher.core.numbers import next_number
    from smevoucher.orgs.choices import CertStatus, OrgKind
    from smevoucher.reviews.services import review_submit

    from .models import Demand

    org = org_acting_for(actor) if getattr(actor, "is_authenticated", False) else None
    if org is None or org.status != CertStatus.APPROVED or org.kind != OrgKind.ENTERPRISE:
        raise DomainError("demand.not_certified", _("请先完成企业信息认证后再发布需求"), status=403)
    fields = _demand_fields(
        name=name,
        category=category,
        contact_phone=contact_phone,
        budget_fen=budget_fen,
        content=content,
    )
    demand = Demand.objects.create(number=next_number("XQ"), org=org, created_by=actor, **fields)
    review_submit(
        actor=actor,
        subject=demand,
        kind="demand",
        region_code=org.region_code,
        label=f"{org.name} · {demand.name}",
    )
    audit_record(actor=actor, subject=demand, action="demand.submitted", to_state=demand.status)
    return demand


@transaction.atomic
def demand_resubmit(
    *,
    actor,
    demand_id: int,
    name: str,
    category: str,
    contact_phone: str,
    content: str,
    budget_fen=None,
):
    """Correct a returned demand and send it back to review (退回修改 → 待处理)."""
    from smevoucher.reviews.choices import ReviewAction, ReviewStatus
    from smevoucher.reviews.models import Review
    from smevoucher.reviews.services import review_transition

    from .models import Demand, DemandStatus

    demand = Demand.objects.select_for_update().filter(pk=demand_id).first()
    org = org_acting_for(actor)
    if demand is None or org is None or demand.org_id != org.pk:
        raise NotFound()
    if demand.status != DemandStatus.RETURNED:
        raise DomainError("demand.not_returned", _("只有退回修改的需求可以重新提交"), status=409)
    fields = _demand_fields(
        name=name,
        category=category,
        contact_phone=contact_phone,
        budget_fen=budget_fen,
        content=content,
    )
    for key, value in fields.items():
        setattr(demand, key, value)
    demand.save(update_fields=list(fields))
    review = Review.objects.get(
        kind="demand", object_id=str(demand.pk), status=ReviewStatus.RETURNED
    )
    review_transition(actor=actor, review_id=review.pk, action=ReviewAction.RESUBMIT)
    return demand


def on_demand_review(*, demand_id: int, status: str) -> None:
    """The review of a demand moved (inside its transaction)."""
    from .models import Demand, DemandStatus

    demand = Demand.objects.select_for_update().get(pk=demand_id)
    demand.status = status
    fields = ["status"]
    if status == DemandStatus.PUBLISHED:
        demand.published_at = timezone.now()
        fields.append("published_at")
    demand.save(update_fields=fields)


@transaction.atomic
def demand_close(*, actor, demand_id: int):
    """The enterprise closes its demand (关闭需求)."""
    from .models import Demand, DemandStatus

    demand = Demand.objects.select_for_update().filter(pk=demand_id).first()
    org = org_acting_for(actor)
    if demand is None or org is None or demand.org_id != org.pk:
        raise NotFound()
    if demand.status != DemandStatus.PUBLISHED:
        raise DomainError("demand.not_published", _("只有已发布的需求可以关闭"), status=409)
    before = demand.status
    demand.status = DemandStatus.CLOSED
    demand.save(update_fields=["status"])
    audit_record(
        actor=actor,
        subject=demand,
        action="demand.closed",
        from_state=before,
        to_state=demand.status,
    )
    return demand


@transaction.atomic
def demand_respond(*, actor, demand_id: int, message: str, product_id: int | None = None):
    """An admitted provider answers a published demand (我要对接), optionally with one of its
    products quoted at its price after voucher for that enterprise."""
    from smevoucher.catalog.choices import ProductStatus
    from smevoucher.catalog.models import Product
    from smevoucher.catalog.selectors import deduction_preview
    from smevoucher.providers.choices import ProviderStatus
    from smevoucher.providers.models import Provider

    from .models import Demand, DemandResponse, DemandStatus

    demand = (
        Demand.objects.select_related("org")
        .filter(pk=demand_id, status=DemandStatus.PUBLISHED)
        .first()
    )
    if demand is None:
        raise NotFound()
    org = org_acting_for(actor) if getattr(actor, "is_authenticated", False) else None
    providers = (
        Provider.objects.filter(org=org, status=ProviderStatus.APPROVED)
        if org
        else Provider.objects.none()
    )
    if org is None or not providers.exists():
        raise DomainError("demand.not_provider", _("只有已入驻的服务机构可以对接需求"), status=403)
    if org.pk == demand.org_id:
        raise DomainError("demand.own", _("不能对接本机构发布的需求"), status=409)
    message = _text(message, field="message", limit=300, label=_("对接说明"))
    product = None
    provider = providers.first()
    price = after = None
    if product_id is not None:
        product = (
            Product.objects.filter(
                pk=product_id, provider__in=providers, status=ProductStatus.ON_SALE
            )
            .select_related("provider", "program")
            .first()
        )
        if product is None:
            raise DomainError("demand.product", _("请选择本机构在售的服务产品"), field="product")
        provider = product.provider
        preview = deduction_preview(enterprise_org=demand.org, product=product)
        price, after = preview["price_fen"], preview["pay_fen"]
    try:
        with transaction.atomic():
            response = DemandResponse.objects.create(
                demand=demand,
                provider=provider,
                message=message,
                product=product,
                price_fen=price,
                price_after_voucher_fen=after,
                created_by=actor,
            )
    except IntegrityError as exc:
        raise DomainError("demand.responded", _("贵机构已对接过该需求"), status=409) from exc
    audit_record(
        actor=actor, subject=response, action="demand.responded", data={"product": product_id}
    )
    notify(
        user=demand.created_by,
        title=platform_text(
            gettext_lazy("您的需求“%(name)s”有服务机构对接"), {"name": demand.name}
        ),
        link=reverse("community:demand", args=[demand.pk]),
    )
    return response
