"""Writes of providers (服务机构入驻) and of program directories (服务机构名录).

Admission is reviewed by the review workflow (``reviewing``): its callbacks move the
provider through ``flow.provider_set_status``, the one door of its status table.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterable
from uuid import UUID

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from smevoucher.audit.services import audit_record
from smevoucher.core.errors import DomainError, NotFound
from smevoucher.core.i18n import platform_text
from smevoucher.notifications.services import notify
from smevoucher.orgs.selectors import org_acting_for
from smevoucher.orgs.validation import clean_uscc
from smevoucher.programs.imports import (
    batched,
    import_claim,
    import_file_content,
    import_set_status,
    read_uploaded_list,
)
from smevoucher.programs.models import ImportStatus, Program, ProgramStatus
from smevoucher.reviews.choices import ReviewAction
from smevoucher.reviews.selectors import review_latest_for_subject
from smevoucher.reviews.services import review_submit, review_transition
from smevoucher.uploads.models import Upload

from .choices import ProviderLevel, ProviderStatus
from .directory_file import CityMatcher, DirectoryRow, level_of, open_directory
from .flow import provider_set_status
from .models import DirectoryEntry, DirectoryImport, Provider
from .permissions import may_manage_directory, may_manage_providers
from .selectors import admission_terms, normalized_name, program_categories

QUALIFICATION_PURPOSE = "provider_qualification"
COMMITMENT_PURPOSE = "provider_commitment"
MAX_QUALIFICATIONS = 10

S = ProviderStatus


# --- admission ---------------------------------------------------------------------------

_PHONE = re.compile(r"^[0-9+\-() ]{7,30}$")


def _clean_text(value: str, *, field: str, label: str, max_length: int, required: bool) -> str:
    value = (value or "").strip()
    if required and not value:
        raise DomainError("provider.required", _("请填写%(label)s") % {"label": label}, field=field)
    if len(value) > max_length:
        raise DomainError(
            "provider.too_long",
            _("%(label)s不能超过%(n)d个字") % {"label": label, "n": max_length},
            field=field,
        )
    return value


def _clean_categories(program: Program, categories: Iterable[str]) -> list[str]:
    allowed = program_categories(program)
    chosen = []
    for category in categories or ():
        category = (category or "").strip()
        if category and category not in chosen:
            chosen.append(category)
    if allowed:
        unknown = [c for c in chosen if c not in allowed]
        if unknown:
            raise DomainError(
                "provider.category_unknown",
                _("“%(name)s”不是本项目的服务类别") % {"name": unknown[0][:50]},
                field="categories",
            )
        chosen.sort(key=allowed.index)
    if not chosen:
        raise DomainError(
            "provider.category_required", _("请至少选择一个服务类别"), field="categories"
        )
    return chosen


def _uploads(actor, ids, *, purpose: str, field: str) -> list[Upload]:
    wanted = []
    for value in ids or ():
        try:
            key = value if isinstance(value, UUID) else UUID(str(value))
        except ValueError as exc:
            raise DomainError(
                "provider.upload_invalid", _("上传的文件无效，请重新上传"), field=field
            ) from exc
        if key not in wanted:
            wanted.append(key)
    found = {u.pk: u for u in Upload.objects.filter(pk__in=wanted, owner=actor, purpose=purpose)}
    if len(found) != len(wanted):
        raise DomainError("provider.upload_invalid", _("上传的文件无效，请重新上传"), field=field)
    return [found[key] for key in wanted]


def _application_fields(
    *,
    actor,
    program: Program,
    categories,
    intro: str,
    contact_phone: str,
    address: str,
    working_hours: str,
) -> dict:
    phone = _clean_text(
        contact_phone, field="contact_phone", label=_("服务电话"), max_length=30, required=True
    )
    if not _PHONE.match(phone):
        raise DomainError(
            "provider.phone_invalid",
            _("请填写正确的服务电话，如 0772-1234567 或 13912345678"),
            field="contact_phone",
        )
    return {
        "categories": _clean_categories(program, categories),
        "intro": _clean_text(
            intro, field="intro", label=_("机构简介"), max_length=2000, required=True
        ),
        "contact_phone": phone,
        "address": _clean_text(
            address, field="address", label=_("服务地址"), max_length=200, required=True
        ),
        "working_hours": _clean_text(
            working_hours,
            field="working_hours",
            label=_("工作时间"),
            max_length=100,
            required=False,
        ),
    }


def _require_org(actor):
    org = org_acting_for(actor)
    if org is None or not org.is_certified:
        raise DomainError(
            "provider.not_certified",
            _("请先完成机构信息认证，认证通过后再申请入驻"),
            status=409,
        )
    return org


def provider_apply(
    *,
    actor,
    program_id: int,
    categories: Iterable[str],
    intro: str,
    contact_phone: str,
    address: str,
    working_hours: str = "",
    qualification_ids: Iterable = (),
    commitment_letter_id=None,
) -> Provider:
    """申请入驻平台: a certified organization applies to serve a program's enterprises.

    Where the program keeps a directory, the organization must be on it (by full name or
    USCC); its level there sets the scope. The application goes to review."""
    org = _require_org(actor)
    program = Program.objects.filter(pk=program_id, status=ProgramStatus.ACTIVE).first()
    if program is None or not org.region_code.startswith(program.region_code):
        raise NotFound()
    terms = admission_terms(program=program, org=org)
    if not terms.eligible:
        raise DomainError(terms.code, terms.reason, status=403)
    fields = _application_fields(
        actor=actor,
        program=program,
        categories=categories,
        intro=intro,
        contact_phone=contact_phone,
        address=address,
        working_hours=working_hours,
    )
    qualifications = _uploads(
        actor, qualification_ids, purpose=QUALIFICATION_PURPOSE, field="qualifications"
    )
    if not qualifications:
        raise DomainError(
            "provider.qualification_required",
            _("请上传资质文件（营业执照副本或其他资格许可证件）"),
            field="qualifications",
        )
    if len(qualifications) > MAX_QUALIFICATIONS:
        raise DomainError(
            "provider.too_many_files",
            _("资质文件最多%(n)d个，多页资料请合并为一个PDF") % {"n": MAX_QUALIFICATIONS},
            field="qualifications",
        )
    letters = _uploads(
        actor,
        [commitment_letter_id] if commitment_letter_id else [],
        purpose=COMMITMENT_PURPOSE,
        field="commitment_letter",
    )
    if not letters:
        raise DomainError(
            "provider.commitment_required",
            _("请上传经法定代表人签字并加盖公章的服务机构承诺书"),
            field="commitment_letter",
        )
    try:
        with transaction.atomic():
            provider = Provider.objects.select_for_update().filter(program=program, org=org).first()
            if provider is not None and provider.status not in (S.DRAFT, S.REJECTED):
                raise DomainError(
                    "provider.already_applied",
                    _("贵机构已申请入驻本项目，请勿重复提交")
                    if provider.status in (S.SUBMITTED, S.RETURNED)
                    else _("贵机构已入驻本项目"),
                    status=409,
                )
            if provider is None:
                provider = Provider.objects.create(
                    program=program,
                    org=org,
                    level=terms.level,
                    scope_code=terms.scope_code,
                    commitment_letter=letters[0],
                    created_by=actor,
                    **fields,
                )
            else:
                provider.level, provider.scope_code = terms.level, terms.scope_code
                provider.commitment_letter = letters[0]
                for name, value in fields.items():
                    setattr(provider, name, value)
                provider.save(
                    update_fields=["level", "scope_code", "commitment_letter", *fields.keys()]
                )
            provider.qualifications.set(qualifications)
            provider.applied_at = timezone.now()
            provider.save(update_fields=["applied_at"])
            # The review's submit callback moves the status (draft/rejected -> submitted).
            review_submit(
                actor=actor,
                subject=provider,
                kind="provider_admission",
                region_code=provider.scope_code,
                label=f"{org.name} · {program.name}",
            )
            audit_record(
                actor=actor,
                subject=provider,
                action="provider.applied",
                to_state=provider.status,
                data={
                    "program": program.code,
                    "level": provider.level,
                    "scope": provider.scope_code,
                    "categories": provider.categories,
                    "directory_entry": terms.entry.pk if terms.entry else None,
                },
            )
    except IntegrityError as exc:
        raise DomainError(
            "provider.already_applied", _("贵机构已申请入驻本项目，请勿重复提交"), status=409
        ) from exc
    return provider


def provider_resubmit(
    *,
    actor,
    provider_id: int,
    categories: Iterable[str],
    intro: str,
    contact_phone: str,
    address: str,
    working_hours: str = "",
    qualification_ids: Iterable = (),
    commitment_letter_id=None,
) -> Provider:
    """Correct a returned application and send it back. Files not uploaded again are kept;
    the level and scope stay as the directory gave them when the organization applied."""
    org = _require_org(actor)
    with transaction.atomic():
        provider = Provider.objects.select_for_update().filter(pk=provider_id, org=org).first()
        if provider is None:
            raise NotFound()
        if provider.status != S.RETURNED:
            raise DomainError(
                "provider.not_returned", _("只有退回修改的申请可以重新提交"), status=409
            )
        fields = _application_fields(
            actor=actor,
            program=provider.program,
            categories=categories,
            intro=intro,
            contact_phone=contact_phone,
            address=address,
            working_hours=working_hours,
        )
        qualifications = _uploads(
            actor, qualification_ids, purpose=QUALIFICATION_PURPOSE, field="qualifications"
        )
        if len(qualifications) > MAX_QUALIFICATIONS:
            raise DomainError(
                "provider.too_many_files",
                _("资质文件最多%(n)d个，多页资料请合并为一个PDF") % {"n": MAX_QUALIFICATIONS},
                field="qualifications",
            )
        letters = _uploads(
            actor,
            [commitment_letter_id] if commitment_letter_id else [],
            purpose=COMMITMENT_PURPOSE,
            field="commitment_letter",
        )
        for name, value in fields.items():
            setattr(provider, name, value)
        update = list(fields.keys())
        if letters:
            provider.commitment_letter = letters[0]
            update.append("commitment_letter")
        provider.applied_at = timezone.now()
        provider.save(update_fields=[*update, "applied_at"])
        if qualifications:
            provider.qualifications.set(qualifications)
        review = review_latest_for_subject(subject=provider)
        # The review records the resubmission (the one audit record) and moves the status.
        review_transition(actor=actor, review_id=review.pk, action=ReviewAction.RESUBMIT)
    provider.refresh_from_db()
    return provider


# --- suspension --------------------------------------------------------------------------


def _provider_for_staff(actor, provider_id: int) -> Provider:
    if not may_manage_providers(actor):
        raise DomainError(
            "provider.forbidden",
            _("只有审核员、审批人和系统管理员可以暂停或恢复服务机构"),
            status=403,
        )
    provider = (
        Provider.objects.select_for_update()
        .select_related("org", "program")
        .filter(pk=provider_id)
        .first()
    )
    if provider is None or not may_manage_providers(actor, provider):
        raise NotFound()
    return provider


def _reason(reason: str, *, what: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(
            "provider.reason_required", _("请填写%(what)s原因") % {"what": what}, field="reason"
        )
    if len(reason) > 300:
        raise DomainError("provider.reason_too_long", _("原因不能超过300个字"), field="reason")
    return reason


def _notify_org(provider: Provider, *, title, body) -> None:
    for member in provider.org.members.select_related("user"):
        notify(user=member.user, title=title, body=body, sms=True)


@transaction.atomic
def provider_suspend(*, actor, provider_id: int, reason: str) -> Provider:
    """Stop an admitted provider (its products leave the catalogue) until reinstated."""
    provider = _provider_for_staff(actor, provider_id)
    reason = _reason(reason, what=_("暂停"))
    provider.suspended_reason = reason
    before = provider_set_status(provider, "suspend", extra_fields=["suspended_reason"])
    audit_record(
        actor=actor,
        subject=provider,
        action="provider.suspended",
        from_state=before,
        to_state=provider.status,
        reason=reason,
        data={"program": provider.program.code, "org": provider.org_id},
    )
    _notify_org(
        provider,
        title=platform_text(
            gettext_lazy("服务机构资格已暂停：%(program)s"), {"program": provider.program.name}
        ),
        body=platform_text(gettext_lazy("暂停原因：%(reason)s"), {"reason": reason}),
    )
    return provider


@transaction.atomic
def provider_reinstate(*, actor, provider_id: int, reason: str) -> Provider:
    """Let a suspended provider serve again."""
    provider = _provider_for_staff(actor, provider_id)
    reason = _reason(reason, what=_("恢复"))
    provider.suspended_reason = ""
    before = provider_set_status(provider, "reinstate", extra_fields=["suspended_reason"])
    audit_record(
        actor=actor,
        subject=provider,
        action="provider.reinstated",
        from_state=before,
        to_state=provider.status,
        reason=reason,
        data={"program": provider.program.code, "org": provider.org_id},
    )
    _notify_org(
        provider,
        title=platform_text(
            gettext_lazy("服务机构资格已恢复：%(program)s"), {"program": provider.program.name}
        ),
        body=platform_text(gettext_lazy("恢复说明：%(reason)s"), {"reason": reason}),
    )
    return provider


# --- the directory -----------------------------------------------------------------------

DIRECTORY_IMPORT_BATCH = 500
DIRECTORY_REFUSED_KEPT = 1000  # details kept; every refused row is still counted


def _directory_program(actor, program_id: int) -> Program:
    program = Program.objects.filter(pk=program_id).first()
    if program is None:
        raise NotFound()
    if not may_manage_directory(actor):
        raise DomainError(
            "directory.forbidden", _("只有系统管理员和审核员可以管理服务机构名录"), status=403
        )
    if not may_manage_directory(actor, program):
        raise NotFound()
    return program


def directory_import_start(*, actor, program_id: int, uploaded) -> DirectoryImport:
    """Accept a directory file for the program and queue its import; the file's type and
    header are checked now, its rows by the task."""
    from .tasks import run_directory_import

    program = _directory_program(actor, program_id)
    content = read_uploaded_list(uploaded)
    listing = open_directory(content)
    original_name = os.path.basename(getattr(uploaded, "name", "") or "")[:200] or "directory"
    job = DirectoryImport(program=program, original_name=original_name, created_by=actor)
    job.file.save(f"directory.{listing.kind}", ContentFile(content), save=False)
    try:
        with transaction.atomic():
            job.save(force_insert=True)
            audit_record(
                actor=actor,
                subject=job,
                action="directory_import.started",
                to_state=job.status,
                data={"program": program.code, "kind": listing.kind, "size": len(content)},
            )
            transaction.on_commit(lambda: run_directory_import.enqueue(job.pk))
    except BaseException:
        job.file.delete(save=False)  # no file without its import
        raise
    return job


def directory_import_run(*, import_id: int) -> DirectoryImport:
    """The import task: read the rows in batches, add new institutions and update those
    already listed (name, level, city), refuse the rest with a reason, and keep the
    counters current for the progress page. Each batch commits on its own; one audit
    record at the end (by the system). A task delivered twice does the work once."""
    job, claimed = import_claim(DirectoryImport, import_id)
    if not claimed:
        return job

    try:
        listing = open_directory(import_file_content(job))
        job.total_rows = listing.count()
        job.save(update_fields=["total_rows"])
        cities = CityMatcher(job.program.region_code[:2])
        seen: set[str] = set()
        for batch in batched(listing.rows(), DIRECTORY_IMPORT_BATCH):
            _directory_import_batch(job=job, rows=batch, cities=cities, seen=seen)
    except DomainError as exc:
        return _directory_import_finish(job=job, failure=exc.message)
    except Exception:
        logging.getLogger(__name__).exception("directory import %s failed", job.pk)
        return _directory_import_finish(job=job, failure=_("导入时发生错误，请检查文件后重新上传"))
    return _directory_import_finish(job=job)


def _directory_import_batch(
    *, job: DirectoryImport, rows: list[DirectoryRow], cities: CityMatcher, seen: set
) -> None:
    def refuse(row: DirectoryRow, reason: str) -> None:
        if len(job.refused) < DIRECTORY_REFUSED_KEPT:
            job.refused.append(
                {"row": row.number, "uscc": row.uscc[:40], "name": row.name[:100], "reason": reason}
            )

    entries = []
    for row in rows:
        name = normalized_name(row.name)
        if not name:
            refuse(row, _("未填写机构全称"))
            continue
        if len(name) > 100:
            refuse(row, _("机构全称不能超过100个字"))
            continue
        try:
            uscc = clean_uscc(row.uscc)
        except DomainError as exc:
            reason = exc.message
            if row.uscc_was_number:
                reason += _("（该单元格为数字格式，18位代码会被Excel截断，请设为文本格式）")
            refuse(row, reason)
            continue
        level = level_of(row.level)
        if level is None:
            refuse(
                row,
                _("级别“%(value)s”无法识别，请填写国家级、省级或市级") % {"value": row.level[:20]}
                if row.level
                else _("未填写级别（国家级、省级或市级）"),
            )
            continue
        city = None
        if level == ProviderLevel.CITY:
            if not row.city:
                refuse(row, _("市级机构须填写所在城市"))
                continue
            city = cities.city_for(row.city)
            if city is None:
                refuse(
                    row, _("所在城市“%(value)s”不是本项目所在省份的城市") % {"value": row.city[:20]}
                )
                continue
        if uscc in seen:
            refuse(row, _("文件内重复"))
            continue
        seen.add(uscc)
        entries.append(
            DirectoryEntry(program_id=job.program_id, name=name, uscc=uscc, level=level, city=city)
        )
    with transaction.atomic():
        # An institution already listed takes the file's name, level and city (名录更新).
        DirectoryEntry.objects.bulk_create(
            entries,
            update_conflicts=True,
            unique_fields=["program", "uscc"],
            update_fields=["name", "level", "city"],
        )
        job.processed_rows += len(rows)
        job.accepted_rows += len(entries)
        job.save(update_fields=["processed_rows", "accepted_rows", "refused"])


def _directory_import_finish(*, job: DirectoryImport, failure: str = "") -> DirectoryImport:
    with transaction.atomic():
        before = job.status
        import_set_status(job, ImportStatus.FAILED if failure else ImportStatus.DONE)
        if failure:
            # The whole file's problem leads the refused rows (row None: no one row).
            kept = job.refused[: DIRECTORY_REFUSED_KEPT - 1]
            job.refused = [{"row": None, "uscc": "", "name": "", "reason": failure}, *kept]
        job.finished_at = timezone.now()
        job.save(update_fields=["status", "refused", "finished_at"])
        audit_record(
            actor=None,
            subject=job,
            action=f"directory_import.{job.status}",
            from_state=before,
            to_state=job.status,
            reason=failure,
            data={
                "program": job.program.code,
                "total_rows": job.total_rows,
                "processed_rows": job.processed_rows,
                "accepted_rows": job.accepted_rows,
                "refused_rows": job.processed_rows - job.accepted_rows,
            },
        )
    return job


@transaction.atomic
def directory_entry_remove(*, actor, entry_id: int, reason: str) -> None:
    """Take an institution off a program's directory, with the reason. Providers already
    admitted stay admitted (suspend them to stop them); new applications are refused."""
    entry = (
        DirectoryEntry.objects.select_for_update()
        .select_related("program")
        .filter(pk=entry_id)
        .first()
    )
    if entry is None:
        raise NotFound()
    _directory_program(actor, entry.program_id)
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("directory.reason_required", _("请填写移出名录的原因"), field="reason")
    audit_record(
        actor=actor,
        subject=entry,
        action="directory_entry.removed",
        reason=reason[:500],
        data={
            "program": entry.program.code,
            "uscc": entry.uscc,
            "name": entry.name,
            "level": entry.level,
            "city": entry.city_id or "",
        },
    )
    entry.delete()
