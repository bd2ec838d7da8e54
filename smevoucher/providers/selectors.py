"""Reads of providers and of program directories, scoped to who asks."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import connection
from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from smevoucher.core.errors import DomainError, NotFound
from smevoucher.orgs.models import Organization
from smevoucher.programs.models import Program, ProgramStatus
from smevoucher.programs.selectors import program_version_at
from smevoucher.regions.models import Region
from smevoucher.reviews.models import Review, ReviewEvent
from smevoucher.staff.permissions import jurisdiction_filter, staff_region

from .choices import ProviderLevel, ProviderStatus
from .models import DirectoryEntry, DirectoryImport, Provider
from .permissions import may_manage_directory, may_manage_providers

# --- words -----------------------------------------------------------------------------


def _province_word(region: Region | None) -> str:
    if region is not None and region.name.endswith("自治区"):
        return _("全区")
    if region is not None and region.name.endswith("市"):  # a municipality (直辖市)
        return _("全市")
    return _("全省")


def scope_labels(codes: Iterable[str]) -> dict[str, str]:
    """{scope code: the scope in words}: a province is 全省 (全区, 全市), a city its name."""
    codes = {c for c in codes if c}
    regions = {r.code: r for r in Region.objects.filter(code__in=codes)}
    labels = {}
    for code in codes:
        region = regions.get(code)
        if len(code) == 2:
            labels[code] = _province_word(region)
        else:
            labels[code] = region.name if region else code
    return labels


def scope_label(code: str) -> str:
    return scope_labels([code]).get(code, "")


def program_categories(program: Program) -> list[str]:
    """The service categories of the program's rules in force (empty when it has none)."""
    try:
        return list(program_version_at(program=program).parsed.categories)
    except DomainError:
        return []


# --- the directory ---------------------------------------------------------------------


def normalized_name(name: str) -> str:
    """A full name as the directory keeps it: NFKC (full-width brackets to ASCII), no spaces."""
    return "".join(unicodedata.normalize("NFKC", name or "").split())


def program_has_directory(program: Program) -> bool:
    return DirectoryEntry.objects.filter(program=program).exists()


def directory_lookup(*, program: Program, name: str = "", uscc: str = "") -> DirectoryEntry | None:
    """The program's directory entry with this USCC, else with this full name."""
    uscc = (uscc or "").strip().upper()
    name = normalized_name(name)
    if not uscc and not name:
        return None
    entries = DirectoryEntry.objects.filter(program=program).select_related("city")
    found = entries.filter(uscc=uscc).first() if uscc else None
    if found is None and name:
        found = entries.filter(name=name).first()
    return found


@dataclass(frozen=True)
class AdmissionTerms:
    """Whether an organization may apply to a program, and the level and scope it would get."""

    eligible: bool
    code: str = ""
    reason: str = ""
    level: str = ""
    scope_code: str = ""
    entry: DirectoryEntry | None = None
    has_directory: bool = False

    @property
    def level_label(self) -> str:
        return str(ProviderLevel(self.level).label) if self.level else ""

    @property
    def scope_label(self) -> str:
        return scope_label(self.scope_code) if self.scope_code else ""


def admission_terms(*, program: Program, org: Organization | None) -> AdmissionTerms:
    """The directory decides: absent, no application; present, its level sets the scope
    (national and provincial: the program's province; city-level: its city). A program
    without a directory admits at provincial level over the program's own region."""
    if org is None or not org.is_certified:
        return AdmissionTerms(
            eligible=False,
            code="provider.not_certified",
            reason=_("请先完成机构信息认证，认证通过后再申请入驻"),
        )
    if not org.region_code.startswith(program.region_code):
        return AdmissionTerms(
            eligible=False,
            code="provider.out_of_region",
            reason=_("贵机构不在本项目的实施地区"),
        )
    if not program_has_directory(program):
        return AdmissionTerms(
            eligible=True, level=ProviderLevel.PROVINCIAL, scope_code=program.region_code
        )
    entry = directory_lookup(program=program, name=org.name, uscc=org.uscc)
    if entry is None:
        return AdmissionTerms(
            eligible=False,
            code="provider.not_in_directory",
            reason=_(
                "未在本项目服务机构名录中，暂不能申请入驻。"
                "请核对机构全称与统一社会信用代码是否与认定名录一致，如有疑问请联系项目承办单位。"
            ),
            has_directory=True,
        )
    scope = entry.city_id if entry.level == ProviderLevel.CITY else program.region_code[:2]
    return AdmissionTerms(
        eligible=True, level=entry.level, scope_code=scope, entry=entry, has_directory=True
    )


def directory_programs_for_actor(*, actor) -> list[Program]:
    """The programs whose directory ``actor`` may manage."""
    if not may_manage_directory(actor):
        return []
    programs = Program.objects.select_related("region").order_by("-year", "code")
    if not actor.is_superuser:
        region = staff_region(actor)
        if region is None:
            return []
        programs = programs.filter(region_code__startswith=region.code)
    return list(programs)


def directory_program_get_for_actor(*, actor, program_id: int) -> Program:
    program = Program.objects.select_related("region").filter(pk=program_id).first()
    if program is None or not may_manage_directory(actor, program):
        raise NotFound()
    return program


def directory_import_get_for_actor(*, actor, import_id: int) -> DirectoryImport:
    job = (
        DirectoryImport.objects.select_related("program", "created_by").filter(pk=import_id).first()
    )
    if job is None or not may_manage_directory(actor, job.program):
        raise NotFound()
    return job


def directory_counts(*, programs: Iterable[Program]) -> dict[int, dict[str, int]]:
    """{program id: {level: entries}}, in one query."""
    counts: dict[int, dict[str, int]] = {}
    rows = (
        DirectoryEntry.objects.filter(program__in=list(programs))
        .values("program_id", "level")
        .annotate(n=Count("id"))
        .order_by()
    )
    for row in rows:
        counts.setdefault(row["program_id"], {})[row["level"]] = row["n"]
    return counts


def directory_search(*, program: Program, query: str = "", level: str = "") -> QuerySet:
    """The program's directory, by part of the name or of the USCC."""
    entries = DirectoryEntry.objects.filter(program=program).select_related("city")
    query = normalized_name(query)
    if query:
        entries = entries.filter(Q(name__icontains=query) | Q(uscc__icontains=query.upper()))
    if level:
        entries = entries.filter(level=level)
    return entries.order_by("name", "pk")


# --- providers: the organization's own -------------------------------------------------


def providers_of_org(*, org: Organization | None) -> list[Provider]:
    if org is None:
        return []
    return list(
        Provider.objects.filter(org=org)
        .select_related("program", "org", "commitment_letter")
        .prefetch_related("qualifications")
        .order_by("-created_at")
    )


def provider_get_for_org_member(*, actor, provider_id: int) -> Provider:
    from smevoucher.orgs.selectors import org_acting_for

    org = org_acting_for(actor)
    provider = (
        Provider.objects.select_related("program", "org", "commitment_letter")
        .prefetch_related("qualifications")
        .filter(pk=provider_id, org=org)
        .first()
        if org
        else None
    )
    if provider is None:
        raise NotFound()
    return provider


def provider_reviews(provider: Provider) -> list[Review]:
    from django.contrib.contenttypes.models import ContentType

    return list(
        Review.objects.filter(
            content_type=ContentType.objects.get_for_model(Provider), object_id=str(provider.pk)
        ).order_by("submitted_at", "pk")
    )


def provider_review_events(provider: Provider) -> list[ReviewEvent]:
    """Every step of every review of the admission, oldest first, with the reasons."""
    from django.contrib.contenttypes.models import ContentType

    return list(
        ReviewEvent.objects.filter(
            review__content_type=ContentType.objects.get_for_model(Provider),
            review__object_id=str(provider.pk),
        ).order_by("at", "pk")
    )


def provider_last_reason(provider: Provider) -> str:
    """The reason of the last return or rejection, while the provider is in that state."""
    if provider.status not in (ProviderStatus.RETURNED, ProviderStatus.REJECTED):
        return ""
    reviews = provider_reviews(provider)
    return reviews[-1].last_reason if reviews else ""


# --- providers: staff ------------------------------------------------------------------


def providers_for_staff(
    *, actor, program_id: int | None = None, status: str = "", level: str = "", query: str = ""
) -> QuerySet[Provider]:
    """The providers whose scope lies in the staff member's region."""
    if not may_manage_providers(actor):
        return Provider.objects.none()
    providers = Provider.objects.select_related("program", "org")
    if not actor.is_superuser:
        providers = providers.filter(jurisdiction_filter(actor, field="scope_code"))
    if program_id:
        providers = providers.filter(program_id=program_id)
    if status:
        providers = providers.filter(status=status)
    if level:
        providers = providers.filter(level=level)
    query = normalized_name(query)
    if query:
        providers = providers.filter(
            Q(org__name__icontains=query) | Q(org__uscc__icontains=query.upper())
        )
    return providers.order_by("-applied_at", "-pk")


def provider_get_for_staff(*, actor, provider_id: int) -> Provider:
    provider = (
        Provider.objects.select_related("program", "org", "org__region", "commitment_letter")
        .filter(pk=provider_id)
        .first()
    )
    if provider is None or not may_manage_providers(actor, provider):
        raise NotFound()
    return provider


def staff_provider_programs(*, actor) -> list[Program]:
    """Programs that have providers the staff member sees (for the list's filter)."""
    ids = providers_for_staff(actor=actor).values("program_id")
    return list(Program.objects.filter(pk__in=ids).order_by("-year", "code"))


# --- providers: the public -------------------------------------------------------------


def _with_category(providers: QuerySet[Provider], category: str) -> QuerySet[Provider]:
    if connection.features.supports_json_field_contains:
        return providers.filter(categories__contains=[category])
    # SQLite has no JSON containment: the (few hundred) candidates are checked here.
    rows = providers.select_related(None).values_list("pk", "categories")
    ids = [pk for pk, categories in rows if category in (categories or [])]
    return providers.filter(pk__in=ids)


def public_providers(*, program_id: int | None = None, category: str = "") -> QuerySet[Provider]:
    """Admitted providers of programs being carried out."""
    providers = Provider.objects.filter(
        status=ProviderStatus.APPROVED, program__status=ProgramStatus.ACTIVE
    ).select_related("program", "org")
    if program_id:
        providers = providers.filter(program_id=program_id)
    if category:
        providers = _with_category(providers, category)
    return providers.order_by("-approved_at", "-pk")


def public_provider_get(*, provider_id: int) -> Provider:
    provider = public_providers().filter(pk=provider_id).first()
    if provider is None:
        raise NotFound()
    return provider


def public_programs() -> list[Program]:
    """Active programs that have admitted providers (for the public list's filter)."""
    ids = public_providers().values("program_id")
    return list(Program.objects.filter(pk__in=ids).order_by("-year", "code"))


def provider_statuses_for_menu(user) -> frozenset[str]:
    """The statuses of the provider records of the organization ``user`` acts for, read
    once per request (cached on the user) for the personal center's menu entries."""
    if not getattr(user, "is_authenticated", False) or user.is_staff:
        return frozenset()
    cached = getattr(user, "_menu_provider_statuses", None)
    if cached is None:
        from smevoucher.orgs.selectors import org_acting_for

        if not hasattr(user, "_menu_acting_org"):
            user._menu_acting_org = org_acting_for(user)
        org = user._menu_acting_org
        cached = frozenset(
            Provider.objects.filter(org=org).values_list("status", flat=True) if org else ()
        )
        user._menu_provider_statuses = cached
    return cached
