"""Writes of programs: creation and new versions of the rules (with history)."""

from __future__ import annotations

import datetime as dt

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from pydantic import ValidationError

from smevoucher.audit.services import audit_record
from smevoucher.core.errors import DomainError, NotFound
from smevoucher.core.money import yuan
from smevoucher.orgs.validation import clean_uscc
from smevoucher.regions.models import Region
from smevoucher.staff.permissions import in_jurisdiction, is_sysadmin
from smevoucher.vouchers.choices import AccountKind
from smevoucher.vouchers.models import LedgerAccount
from smevoucher.vouchers.services import ledger_fund

from .imports import (
    ClassMatcher,
    batched,
    import_claim,
    import_file_content,
    import_set_status,
    may_manage_classifications,
    open_list,
    read_uploaded_list,
)
from .models import (
    ClassificationImport,
    EnterpriseClassification,
    ImportStatus,
    Program,
    ProgramStatus,
    ProgramVersion,
)
from .rules import ProgramRules
from .rules_text import rules_problems
from .selectors import program_version_at


def _rules(data: dict) -> ProgramRules:
    try:
        return ProgramRules.model_validate(data)
    except ValidationError as exc:
        problems = rules_problems(data)
        first = problems[0] if problems else None
        raise DomainError(
            "program.rules_invalid",
            _("项目规则不正确：%(problem)s（%(path)s）") % {"problem": first, "path": first.path}
            if first
            else _("项目规则不正确"),
            field="rules",
        ) from exc


def _may_edit(actor, region_code: str) -> None:
    if actor is None:
        return  # the platform itself (presets, management commands)
    if not is_sysadmin(actor) or not (actor.is_superuser or in_jurisdiction(actor, region_code)):
        raise DomainError(
            "program.forbidden", _("只有本地区的系统管理员可以维护项目规则"), status=403
        )


def _fund_to(*, actor, program: Program, budget_fen: int, key: str) -> None:
    """Bring the ledger's funding of the program up to ``budget_fen`` (never down here)."""
    treasury = LedgerAccount.objects.filter(
        program=program, voucher__isnull=True, kind=AccountKind.TREASURY
    ).first()
    funded = -treasury.balance_fen if treasury else 0
    if budget_fen < funded:
        raise DomainError(
            "program.budget_cut",
            _("预算不能低于已拨入的%(funded)s元；如需调减请联系财务部门办理")
            % {"funded": yuan(funded)},
            field="rules",
        )
    if budget_fen > funded:
        ledger_fund(
            actor=actor,
            program_id=program.pk,
            amount_fen=budget_fen - funded,
            idempotency_key=key,
            memo=_("预算拨入"),
            record=False,  # the program's own record names the new budget
        )


@transaction.atomic
def program_create(
    *,
    actor,
    code: str,
    name: str,
    policy_title: str,
    region_code: str,
    year: int,
    rules: dict,
    status: str = ProgramStatus.ACTIVE,
    effective_from: dt.datetime | None = None,
) -> Program:
    parsed = _rules(rules)
    region = Region.objects.filter(code=region_code).first()
    if region is None:
        raise DomainError("region.invalid", _("请选择正确的地区"), field="region_code")
    _may_edit(actor, region.code)
    try:
        with transaction.atomic():
            program = Program.objects.create(
                code=code,
                name=name,
                policy_title=policy_title,
                region=region,
                region_code=region.code,
                year=year,
                status=status,
            )
    except IntegrityError as exc:
        raise DomainError("program.code_taken", _("项目代码已存在"), field="code") from exc
    version = ProgramVersion.objects.create(
        program=program,
        number=1,
        rules=parsed.model_dump(mode="json"),
        effective_from=effective_from or timezone.now(),
        created_by=actor if getattr(actor, "pk", None) else None,
        note=_("初始版本"),
    )
    _fund_to(
        actor=actor,
        program=program,
        budget_fen=parsed.budget_fen,
        key=f"program:{program.pk}:v1:fund",
    )
    audit_record(
        actor=actor,
        subject=program,
        action="program.created",
        to_state=f"v{version.number}",
        data={"budget_fen": parsed.budget_fen},
    )
    return program


@transaction.atomic
def program_version_publish(
    *,
    actor,
    program_id: int,
    rules: dict,
    note: str,
    effective_from: dt.datetime | None = None,
    base_version: int | None = None,
) -> ProgramVersion:
    """Publish new rules; what was decided under the old version keeps it.

    ``base_version`` is the version the editor started from: if another admin published
    meanwhile (or the form was sent twice), nothing is published over unseen rules."""
    program = Program.objects.select_for_update().filter(pk=program_id).first()
    if program is None:
        raise NotFound()
    _may_edit(actor, program.region_code)
    parsed = _rules(rules)
    note = (note or "").strip()
    if not note:
        raise DomainError("program.note_required", _("请填写修订说明"), field="note")
    now = timezone.now()
    effective_from = effective_from or now
    if effective_from < now - dt.timedelta(minutes=1):
        raise DomainError(
            "program.backdated", _("新版本不能早于当前时间生效"), field="effective_from"
        )
    latest = program.versions.aggregate(m=Max("number"))["m"] or 0
    if base_version is not None and base_version != latest:
        raise DomainError(
            "program.version_stale",
            _("规则已更新为第%(n)s版，您编辑的是第%(base)s版。请刷新页面，在最新规则上修改。")
            % {"n": latest, "base": base_version},
            status=409,
            field="base_version",
        )
    number = latest + 1
    version = ProgramVersion.objects.create(
        program=program,
        number=number,
        rules=parsed.model_dump(mode="json"),
        effective_from=effective_from,
        created_by=actor if getattr(actor, "pk", None) else None,
        note=note[:300],
    )
    _fund_to(
        actor=actor,
        program=program,
        budget_fen=parsed.budget_fen,
        key=f"program:{program.pk}:v{number}:fund",
    )
    audit_record(
        actor=actor,
        subject=program,
        action="program.version_published",
        to_state=f"v{number}",
        reason=note,
        data={"budget_fen": parsed.budget_fen},
    )
    return version


def classification_add(
    *, actor, program_id: int, uscc: str, class_code: str, enterprise_name: str = ""
) -> bool:
    """Put one enterprise on one of the program's lists (by hand; lists come by import).
    Returns False when it was on the list already (then nothing changes)."""
    program = _classification_program(actor, program_id)
    code = clean_uscc(uscc)
    rules = program.versions.order_by("-number").first().parsed
    if class_code not in {c.code for c in rules.classifications}:
        raise DomainError("classification.unknown", _("本项目没有该企业类别"), field="class_code")
    with transaction.atomic():
        entry, created = EnterpriseClassification.objects.get_or_create(
            program=program,
            uscc=code,
            class_code=class_code,
            defaults={"enterprise_name": enterprise_name[:100]},
        )
        if created:
            audit_record(
                actor=actor,
                subject=entry,
                action="classification.added",
                data={"program": program.code, "class": class_code},
            )
    return created


# --- classified-enterprise lists: imports and removals (issue 4, point 3) ---

CLASSIFICATION_IMPORT_BATCH = 500
CLASSIFICATION_REFUSED_KEPT = 1000  # details kept; every refused row is still counted

# The one table of an import's statuses: (from, to). Nothing else assigns ``status``.


def _classification_program(actor, program_id: int) -> Program:
    """The program whose lists ``actor`` may manage; None as actor is the platform itself."""
    program = Program.objects.filter(pk=program_id).first()
    if program is None:
        raise NotFound()
    if actor is None:
        return program
    if not may_manage_classifications(actor):
        raise DomainError(
            "classification.forbidden", _("只有系统管理员和审核员可以管理企业名单"), status=403
        )
    if not may_manage_classifications(actor, program):
        raise NotFound()
    return program


def classification_import_start(
    *, actor, program_id: int, uploaded, class_code: str = ""
) -> ClassificationImport:
    """Accept a list file for one of the program's classes (or the class named on each row)
    and queue its import; the file's type and header are checked now, its rows by the task."""
    import os

    from .tasks import run_classification_import

    program = _classification_program(actor, program_id)
    rules = program_version_at(program=program).parsed
    if not rules.classifications:
        raise DomainError(
            "classification_import.no_classes", _("该项目规则中没有企业分类，无需导入名单")
        )
    class_code = (class_code or "").strip()
    if class_code and class_code not in {c.code for c in rules.classifications}:
        raise DomainError(
            "classification_import.unknown_class",
            _("请选择该项目规则中的企业类别"),
            field="class_code",
        )
    content = read_uploaded_list(uploaded)
    listing = open_list(content)
    if not class_code and not listing.has_class_column:
        raise DomainError(
            "classification_import.class_required",
            _("文件中没有“类别”列：请选择本次导入的企业类别，或在文件中增加“类别”列"),
            field="class_code",
        )
    original_name = os.path.basename(getattr(uploaded, "name", "") or "")[:200] or "list"
    job = ClassificationImport(
        program=program, class_code=class_code, original_name=original_name, created_by=actor
    )
    job.file.save(f"classification.{listing.kind}", ContentFile(content), save=False)
    try:
        with transaction.atomic():
            job.save(force_insert=True)
            audit_record(
                actor=actor,
                subject=job,
                action="classification_import.started",
                to_state=job.status,
                data={
                    "program": program.code,
                    "class": class_code,
                    "kind": listing.kind,
                    "size": len(content),
                },
            )
            transaction.on_commit(lambda: run_classification_import.enqueue(job.pk))
    except BaseException:
        job.file.delete(save=False)  # no file without its import
        raise
    return job


def classification_import_run(*, import_id: int) -> ClassificationImport:
    """The import task: read the rows in batches, add the new (program, USCC, class)
    entries, refuse the rest with a reason, and keep the counters current so the page can
    show progress. Each batch commits on its own; one audit record at the end (by the
    system). A task delivered twice does the work once."""
    import logging

    job, claimed = import_claim(ClassificationImport, import_id)
    if not claimed:
        return job

    try:
        rules = program_version_at(program=job.program).parsed
        matcher = ClassMatcher(rules.classifications)
        if job.class_code and job.class_code not in matcher.codes:
            raise DomainError(
                "classification_import.unknown_class", _("所选企业类别已不在该项目的现行规则中")
            )
        listing = open_list(import_file_content(job))
        if not job.class_code and not listing.has_class_column:
            raise DomainError("classification_import.class_required", _("文件中没有“类别”列"))
        job.total_rows = listing.count()
        job.save(update_fields=["total_rows"])
        seen: set[tuple[str, str]] = set()
        for batch in batched(listing.rows(), CLASSIFICATION_IMPORT_BATCH):
            _classification_import_batch(job=job, rows=batch, matcher=matcher, seen=seen)
    except DomainError as exc:
        return _classification_import_finish(job=job, failure=exc.message)
    except Exception:
        logging.getLogger(__name__).exception("classification import %s failed", job.pk)
        return _classification_import_finish(
            job=job, failure=_("导入时发生错误，请检查文件后重新上传")
        )
    return _classification_import_finish(job=job)


def _classification_import_batch(*, job, rows, matcher, seen: set) -> None:
    def refuse(row, reason: str) -> None:
        if len(job.refused) < CLASSIFICATION_REFUSED_KEPT:
            job.refused.append({"row": row.number, "uscc": row.uscc[:40], "reason": reason})

    new = []
    accepted = 0
    for row in rows:
        try:
            uscc = clean_uscc(row.uscc)
        except DomainError as exc:
            reason = exc.message
            if row.uscc_was_number:
                reason += _("（该单元格为数字格式，18位代码会被Excel截断，请设为文本格式）")
            refuse(row, reason)
            continue
        code = job.class_code or matcher.code_for(row.class_value)
        if not code:
            if row.class_value:
                refuse(
                    row,
                    _("类别“%(value)s”不是本项目的企业分类") % {"value": row.class_value[:50]},
                )
            else:
                refuse(row, _("未填写类别"))
            continue
        if (uscc, code) in seen:
            refuse(row, _("文件内重复"))
            continue
        seen.add((uscc, code))
        accepted += 1
        new.append(
            EnterpriseClassification(
                program_id=job.program_id,
                uscc=uscc,
                class_code=code,
                enterprise_name=row.name[:100],
                source=job,
            )
        )
    with transaction.atomic():
        # Entries already on the list stay as they are: importing a list again adds nothing.
        EnterpriseClassification.objects.bulk_create(new, ignore_conflicts=True)
        job.processed_rows += len(rows)
        job.accepted_rows += accepted
        job.save(update_fields=["processed_rows", "accepted_rows", "refused"])


def _classification_import_finish(*, job, failure: str = "") -> ClassificationImport:

    with transaction.atomic():
        before = job.status
        import_set_status(job, ImportStatus.FAILED if failure else ImportStatus.DONE)
        if failure:
            # The whole file's problem leads the refused rows (row None: no one row).
            kept = job.refused[: CLASSIFICATION_REFUSED_KEPT - 1]
            job.refused = [{"row": None, "uscc": "", "reason": failure}, *kept]
        job.finished_at = timezone.now()
        job.save(update_fields=["status", "refused", "finished_at"])
        audit_record(
            actor=None,
            subject=job,
            action=f"classification_import.{job.status}",
            from_state=before,
            to_state=job.status,
            reason=failure,
            data={
                "program": job.program.code,
                "class": job.class_code,
                "total_rows": job.total_rows,
                "processed_rows": job.processed_rows,
                "accepted_rows": job.accepted_rows,
                "refused_rows": job.processed_rows - job.accepted_rows,
                "added": EnterpriseClassification.objects.filter(source=job).count(),
            },
        )
    return job


@transaction.atomic
def classification_remove(
    *, actor, program_id: int, uscc: str, class_code: str, reason: str
) -> None:
    """Take one enterprise off one of the program's lists, with the reason."""
    program = _classification_program(actor, program_id)
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(
            "classification.reason_required", _("请填写移出名单的原因"), field="reason"
        )
    code = clean_uscc(uscc)
    entry = (
        EnterpriseClassification.objects.select_for_update()
        .filter(program=program, uscc=code, class_code=class_code)
        .first()
    )
    if entry is None:
        raise NotFound(_("该企业不在这一类别的名单中"))
    audit_record(
        actor=actor,
        subject=entry,
        action="classification.removed",
        reason=reason[:500],
        data={"program": program.code, "class": class_code, "uscc": code},
    )
    entry.delete()
