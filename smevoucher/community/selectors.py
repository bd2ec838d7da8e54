from __future__ import annotations

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy

from smevoucher.core.errors import NotFound
from smevoucher.staff.permissions import in_jurisdiction, jurisdiction_filter

from .models import Message, MessageStatus


def my_messages(*, actor) -> QuerySet[Message]:
    return Message.objects.filter(author=actor).prefetch_related("replies")


def message_get(*, actor, pk: int) -> Message:
    message = Message.objects.filter(pk=pk).select_related("author").first()
    if message is None:
        raise NotFound()
    if actor.is_staff:
        if actor.is_superuser or in_jurisdiction(actor, message.region_code):
            return message
        raise NotFound()
    if message.author_id != actor.pk:
        raise NotFound()
    return message


def staff_queue(*, actor, status: str = MessageStatus.OPEN) -> list[dict]:
    """The region's messages, the longest waiting first, with how many days they waited."""
    messages = Message.objects.select_related("author")
    if not actor.is_superuser:
        messages = messages.filter(jurisdiction_filter(actor, field="region_code"))
    if status:
        messages = messages.filter(status=status)
    now = timezone.now()
    return [
        {"message": m, "waiting_days": (now - m.waiting_since).days}
        for m in messages.order_by("waiting_since", "pk")[:200]
    ]


def published_articles(*, kind: str = ""):
    from .models import Article

    articles = Article.objects.filter(withdrawn_at__isnull=True).prefetch_related("attachments")
    if kind:
        articles = articles.filter(kind=kind)
    return articles.order_by("-published_at", "-pk")


def article_public(*, pk: int):
    article = published_articles().filter(pk=pk).first()
    if article is None:
        raise NotFound()
    return article


def help_contacts():
    from smevoucher.regions.models import Region

    from .models import HelpContact

    contacts = list(HelpContact.objects.all())
    names = dict(
        Region.objects.filter(code__in=[c.region_code for c in contacts]).values_list(
            "code", "name"
        )
    )
    return [{"contact": c, "region": names.get(c.region_code, c.region_code)} for c in contacts]


# --- demands ---


def demand_categories(*, fallback: bool = True) -> list[str]:
    from smevoucher.catalog.categories import DESCRIPTIONS
    from smevoucher.programs.models import Program, ProgramStatus
    from smevoucher.programs.selectors import program_version_at

    seen: list[str] = []
    for program in Program.objects.filter(status=ProgramStatus.ACTIVE):
        for category in program_version_at(program=program).parsed.categories:
            if category not in seen:
                seen.append(category)
    return seen or (list(DESCRIPTIONS) if fallback else [])


def demand_board(*, category: str = "", q: str = ""):
    """Published demands (需求大厅), with how many providers responded."""
    from django.db.models import Count, Q

    from .models import Demand, DemandStatus

    demands = Demand.objects.filter(status=DemandStatus.PUBLISHED).select_related("org")
    if category:
        demands = demands.filter(category=category)
    q = (q or "").strip()[:50]
    if q:
        demands = demands.filter(Q(name__icontains=q) | Q(content__icontains=q))
    return demands.annotate(response_count=Count("responses")).order_by("-published_at", "-pk")


DEMAND_TABS = (
    ("all", gettext_lazy("全部"), ()),
    ("pending", gettext_lazy("待处理"), ("pending",)),
    ("published", gettext_lazy("已发布"), ("published",)),
    ("reviewing", gettext_lazy("待审核"), ("reviewing",)),
    ("returned", gettext_lazy("退回修改"), ("returned",)),
    ("rejected", gettext_lazy("审核不通过"), ("rejected",)),
    ("closed", gettext_lazy("关闭需求"), ("closed",)),
)


def my_demands(*, actor, tab: str = "all"):
    from django.db.models import Count

    from smevoucher.orgs.selectors import org_acting_for

    from .models import Demand

    org = org_acting_for(actor)
    demands = Demand.objects.filter(org=org) if org else Demand.objects.none()
    statuses = {key: st for key, _label, st in DEMAND_TABS}.get(tab, ())
    if statuses:
        demands = demands.filter(status__in=statuses)
    return demands.annotate(response_count=Count("responses")).order_by("-created_at", "-pk")


def demand_for_viewer(*, actor, pk: int):
    """A demand as its viewer may see it: published ones by anyone; others by their owner
    and the staff of the enterprise's region."""
    from smevoucher.orgs.selectors import org_acting_for

    from .models import Demand, DemandStatus

    demand = Demand.objects.select_related("org").filter(pk=pk).first()
    if demand is None:
        raise NotFound()
    owner = False
    if getattr(actor, "is_authenticated", False):
        org = org_acting_for(actor)
        owner = org is not None and org.pk == demand.org_id
        if actor.is_staff and (
            actor.is_superuser or in_jurisdiction(actor, demand.org.region_code)
        ):
            return demand, False
    if demand.status != DemandStatus.PUBLISHED and not owner:
        raise NotFound()
    return demand, owner
