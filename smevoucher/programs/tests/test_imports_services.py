"""Importing classified-enterprise lists: rows accepted or refused with a reason, progress
kept current, imports repeatable, and the Guangxi tier an enterprise's classes give."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from conftest import make_uscc
from smevoucher.audit.models import AuditRecord
from smevoucher.core.errors import DomainError, NotFound
from smevoucher.programs import services
from smevoucher.programs.models import ClassificationImport, EnterpriseClassification
from smevoucher.programs.presets import guangdong_2024, guangxi_2024
from smevoucher.programs.selectors import enterprise_classes, program_version_at
from smevoucher.programs.services import (
    classification_import_run,
    classification_import_start,
    classification_remove,
    program_create,
)

from .test_imports_parsing import HEADER, csv_bytes, xlsx_bytes

pytestmark = pytest.mark.django_db

WAN = 1_000_000  # one 万元 in fen


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)


@pytest.fixture
def guangxi():
    return program_create(
        actor=None,
        code=guangxi_2024.CODE,
        name=guangxi_2024.NAME,
        policy_title="",
        region_code="45",
        year=2024,
        rules=guangxi_2024.RULES,
    )


@pytest.fixture
def guangdong():
    return program_create(
        actor=None,
        code=guangdong_2024.CODE,
        name=guangdong_2024.NAME,
        policy_title="",
        region_code="44",
        year=2024,
        rules=guangdong_2024.RULES,
    )


@pytest.fixture
def reviewer(make_staff):
    return make_staff(region_code="45", roles=("reviewer",), phone="13800000045")


@pytest.fixture
def run_import(django_capture_on_commit_callbacks):
    """Start an import as staff would, and let the queued task run (it does at commit)."""

    def run(actor, program, content: bytes, *, class_code="", name="名单.xlsx"):
        with django_capture_on_commit_callbacks(execute=True):
            job = classification_import_start(
                actor=actor,
                program_id=program.pk,
                uploaded=SimpleUploadedFile(name, content),
                class_code=class_code,
            )
        job.refresh_from_db()
        return job

    return run


def tier_amount(program, uscc: str) -> int | None:
    rules = program_version_at(program=program).parsed
    tier = rules.tier_for_classes(enterprise_classes(program=program, uscc=uscc))
    return tier.amount_fen if tier else None


def test_guangxi_tiers_follow_the_imported_lists(guangxi, reviewer, run_import):
    # given the 专精特新"小巨人" list (Excel) and the 规模以上 list (CSV with the class per row)
    giant, plain, both = make_uscc(1), make_uscc(2), make_uscc(3)
    run_import(
        reviewer,
        guangxi,
        xlsx_bytes([HEADER, (giant, "广西甲机械有限公司", ""), (both, "广西丙有限公司", "")]),
        class_code="little_giant",
    )
    run_import(
        reviewer,
        guangxi,
        csv_bytes(
            [HEADER, (plain, "广西乙有限公司", "规模以上制造业企业"), (both, "", "above_scale")]
        ),
        name="规上企业.csv",
    )
    # then a "小巨人" gets 30万, an enterprise only above scale 5万, and one on both lists
    # the highest tier its classes give
    assert tier_amount(guangxi, giant) == 30 * WAN
    assert tier_amount(guangxi, plain) == 5 * WAN
    assert tier_amount(guangxi, both) == 30 * WAN
    assert tier_amount(guangxi, make_uscc(4)) is None


def test_an_xlsx_import_records_rows_totals_and_two_audit_records(guangxi, reviewer, run_import):
    # given an Excel list of three enterprises for the class chosen on the page
    rows = [(make_uscc(n), f"广西{n}号企业", "") for n in (1, 2, 3)]
    # when it is imported
    job = run_import(reviewer, guangxi, xlsx_bytes([HEADER, *rows]), class_code="little_giant")
    # then all three are on the list, with their names and the import as source
    assert (job.status, job.total_rows, job.processed_rows, job.accepted_rows) == ("done", 3, 3, 3)
    assert job.refused == []
    assert job.finished_at is not None
    entries = EnterpriseClassification.objects.filter(program=guangxi).order_by("uscc")
    assert [(e.uscc, e.class_code, e.enterprise_name, e.source_id) for e in entries] == [
        (uscc, "little_giant", name, job.pk) for uscc, name, _ in rows
    ]
    # and the start is recorded by the reviewer, the end by the system with the totals
    records = AuditRecord.objects.filter(
        subject_id=str(job.pk), action__startswith="classification_import."
    ).order_by("pk")
    assert [(r.action, r.actor_id) for r in records] == [
        ("classification_import.started", reviewer.pk),
        ("classification_import.done", None),
    ]
    assert records[1].data["accepted_rows"] == 3
    assert records[1].data["added"] == 3


@pytest.mark.parametrize("encoding", ["utf-8-sig", "gb18030"])
def test_a_csv_import_names_the_class_on_each_row(guangxi, reviewer, run_import, encoding):
    # given a CSV (UTF-8 with BOM, or GB18030 as Chinese Excel saves it) with a 类别 column
    content = csv_bytes(
        [
            ("社会信用代码", "企业名称", "类别"),
            (make_uscc(1), "广西甲公司", '专精特新"小巨人"企业'),
            (make_uscc(2), "广西乙公司", "自治区数字化车间企业"),
        ],
        encoding=encoding,
    )
    # when it is imported with "文件中注明"
    job = run_import(reviewer, guangxi, content, name="名单.csv")
    # then each row has its class, by name
    assert job.accepted_rows == 2
    assert enterprise_classes(program=guangxi, uscc=make_uscc(1)) == {"little_giant"}
    assert enterprise_classes(program=guangxi, uscc=make_uscc(2)) == {"gx_digital_workshop"}
    assert EnterpriseClassification.objects.get(uscc=make_uscc(2)).enterprise_name == "广西乙公司"


def test_refused_rows_are_kept_with_row_number_and_reason(guangxi, reviewer, run_import):
    # given a list with a bad check digit, an unknown class, a repeated row and no code
    content = csv_bytes(
        [
            HEADER,
            (make_uscc(1), "甲", "little_giant"),  # row 2: fine
            ("911100001000013251", "乙", "little_giant"),  # row 3: check digit
            (make_uscc(2), "丙", "国家级小巨人"),  # row 4: no such class
            (make_uscc(1), "甲", "专精特新“小巨人”企业"),  # row 5: row 2 again
            ("", "丁", "little_giant"),  # row 6: no code
            (make_uscc(3), "戊", ""),  # row 7: no class
            (make_uscc(1), "甲", "above_scale"),  # row 8: fine (another class)
        ]
    )
    # when it is imported
    job = run_import(reviewer, guangxi, content, name="名单.csv")
    # then the good rows are in and each refused row says why
    assert (job.status, job.total_rows, job.processed_rows, job.accepted_rows) == ("done", 7, 7, 2)
    assert [(r["row"], r["uscc"]) for r in job.refused] == [
        (3, "911100001000013251"),
        (4, make_uscc(2)),
        (5, make_uscc(1)),
        (6, ""),
        (7, make_uscc(3)),
    ]
    reasons = [r["reason"] for r in job.refused]
    assert "校验位不正确" in reasons[0]
    assert "国家级小巨人" in reasons[1]
    assert "不是本项目的企业分类" in reasons[1]
    assert reasons[2] == "文件内重复"
    assert "请填写统一社会信用代码" in reasons[3]
    assert reasons[4] == "未填写类别"
    assert enterprise_classes(program=guangxi, uscc=make_uscc(1)) == {"little_giant", "above_scale"}


def test_a_code_saved_as_a_number_is_explained(guangxi, reviewer, run_import):
    job = run_import(
        reviewer,
        guangxi,
        xlsx_bytes([HEADER, (914502000000012013, "甲", "")]),
        class_code="above_scale",
    )
    assert job.accepted_rows == 0
    assert "文本格式" in job.refused[0]["reason"]


def test_importing_the_same_list_again_changes_nothing(guangxi, reviewer, run_import):
    # given a list imported once
    content = xlsx_bytes([HEADER, *((make_uscc(n), f"企业{n}", "") for n in range(1, 6))])
    first = run_import(reviewer, guangxi, content, class_code="little_giant")
    # when it is imported again
    second = run_import(reviewer, guangxi, content, class_code="little_giant")
    # then the list has the same five entries, still from the first import
    assert EnterpriseClassification.objects.filter(program=guangxi).count() == 5
    assert set(EnterpriseClassification.objects.values_list("source_id", flat=True)) == {first.pk}
    assert (second.status, second.accepted_rows, second.refused) == ("done", 5, [])
    assert (
        AuditRecord.objects.get(
            subject_id=str(second.pk), action="classification_import.done"
        ).data["added"]
        == 0
    )


def test_progress_is_saved_after_every_batch(guangxi, reviewer, run_import, monkeypatch):
    # given a list of 1,201 enterprises (three batches of at most 500)
    content = csv_bytes([HEADER, *((make_uscc(n), "", "") for n in range(1, 1202))])
    seen = []
    batch = services._classification_import_batch

    def watched(**kwargs):
        batch(**kwargs)
        job = ClassificationImport.objects.get(pk=kwargs["job"].pk)
        seen.append((job.status, job.total_rows, job.processed_rows, job.accepted_rows))

    monkeypatch.setattr(services, "_classification_import_batch", watched)
    # when it is imported
    job = run_import(reviewer, guangxi, content, class_code="above_scale", name="规上.csv")
    # then a page reading the import between batches sees it running and moving
    assert seen == [
        ("running", 1201, 500, 500),
        ("running", 1201, 1000, 1000),
        ("running", 1201, 1201, 1201),
    ]
    assert (job.status, job.processed_rows) == ("done", 1201)


def test_refused_details_are_capped_but_every_refused_row_is_counted(
    guangxi, reviewer, run_import, monkeypatch
):
    monkeypatch.setattr(services, "CLASSIFICATION_REFUSED_KEPT", 3)
    content = csv_bytes([HEADER, *(("bad", "", "") for _ in range(5)), (make_uscc(1), "", "")])
    job = run_import(reviewer, guangxi, content, class_code="above_scale", name="名单.csv")
    assert len(job.refused) == 3
    assert job.processed_rows - job.accepted_rows == 5


def test_a_task_delivered_twice_imports_once(guangxi, reviewer, run_import):
    job = run_import(
        reviewer, guangxi, csv_bytes([HEADER, (make_uscc(1), "", "")]), class_code="above_scale"
    )
    records = AuditRecord.objects.count()
    again = classification_import_run(import_id=job.pk)
    assert (again.status, again.accepted_rows) == ("done", 1)
    assert AuditRecord.objects.count() == records


def test_a_file_that_cannot_be_read_fails_the_import_with_the_reason(guangxi, reviewer):
    # given an import accepted, whose stored file is damaged before the task runs
    job = classification_import_start(
        actor=reviewer,
        program_id=guangxi.pk,
        uploaded=SimpleUploadedFile("名单.xlsx", xlsx_bytes([HEADER])),
        class_code="above_scale",
    )
    with job.file.storage.open(job.file.name, "wb") as damaged:
        damaged.write(b"PK\x03\x04 not really a workbook")
    # when the task runs
    job = classification_import_run(import_id=job.pk)
    # then the import failed, saying why, and the system recorded it
    assert job.status == "failed"
    assert job.refused[0]["row"] is None
    assert "Excel文件无法读取" in job.refused[0]["reason"]
    record = AuditRecord.objects.get(subject_id=str(job.pk), action="classification_import.failed")
    assert "Excel文件无法读取" in record.reason


@pytest.mark.parametrize(
    ("content", "class_code", "message", "field"),
    [
        (b"%PDF-1.7\n\x00\x01binary", "above_scale", "仅支持Excel", "file"),
        (csv_bytes([("企业名称",), ("甲",)]), "above_scale", "统一社会信用代码", "file"),
        (csv_bytes([("信用代码",), (make_uscc(1),)]), "", "类别", "class_code"),
        (csv_bytes([HEADER, (make_uscc(1), "", "")]), "tier_t30", "企业类别", "class_code"),
    ],
    ids=["not-a-list", "no-code-column", "no-class-anywhere", "class-not-in-rules"],
)
def test_a_list_that_cannot_be_imported_is_refused_at_upload(
    guangxi, reviewer, content, class_code, message, field
):
    with pytest.raises(DomainError, match=message) as caught:
        classification_import_start(
            actor=reviewer,
            program_id=guangxi.pk,
            uploaded=SimpleUploadedFile("名单.csv", content),
            class_code=class_code,
        )
    assert caught.value.field == field
    assert not ClassificationImport.objects.exists()


def test_only_reviewers_and_admins_of_the_region_may_import(
    guangxi, guangdong, make_staff, enterprise_user
):
    upload = SimpleUploadedFile("名单.csv", csv_bytes([HEADER, (make_uscc(1), "", "")]))
    guangdong_reviewer = make_staff(region_code="44", roles=("reviewer",), phone="13800000044")
    liuzhou_reviewer = make_staff(region_code="4502", roles=("reviewer",), phone="13800004502")
    finance = make_staff(region_code="45", roles=("finance",), phone="13800000046")
    with pytest.raises(DomainError) as refused:
        classification_import_start(
            actor=enterprise_user, program_id=guangxi.pk, uploaded=upload, class_code="above_scale"
        )
    assert refused.value.status == 403
    with pytest.raises(DomainError) as refused:
        classification_import_start(
            actor=finance, program_id=guangxi.pk, uploaded=upload, class_code="above_scale"
        )
    assert refused.value.status == 403
    for outsider in (guangdong_reviewer, liuzhou_reviewer):
        with pytest.raises(NotFound):
            classification_import_start(
                actor=outsider, program_id=guangxi.pk, uploaded=upload, class_code="above_scale"
            )
    admin = make_staff(region_code="45", roles=("sysadmin",), phone="13800000047")
    job = classification_import_start(
        actor=admin, program_id=guangxi.pk, uploaded=upload, class_code="above_scale"
    )
    assert job.status == "pending"


def test_removing_an_enterprise_from_a_list_changes_its_tier(guangxi, reviewer, run_import):
    # given an enterprise on the 小巨人 and the 规上 lists
    uscc = make_uscc(1)
    run_import(
        reviewer,
        guangxi,
        csv_bytes([HEADER, (uscc, "", "little_giant"), (uscc, "", "above_scale")]),
    )
    # when it is taken off the 小巨人 list
    classification_remove(
        actor=reviewer,
        program_id=guangxi.pk,
        uscc=uscc,
        class_code="little_giant",
        reason="名单更新",
    )
    # then it falls to the 规上 tier, and the removal is recorded with its reason
    assert tier_amount(guangxi, uscc) == 5 * WAN
    record = AuditRecord.objects.get(action="classification.removed")
    assert (record.actor_id, record.reason, record.data["uscc"]) == (reviewer.pk, "名单更新", uscc)


def test_a_removal_needs_a_reason_and_an_entry(guangxi, reviewer, run_import):
    uscc = make_uscc(1)
    run_import(reviewer, guangxi, csv_bytes([HEADER, (uscc, "", "little_giant")]))
    with pytest.raises(DomainError, match="原因"):
        classification_remove(
            actor=reviewer, program_id=guangxi.pk, uscc=uscc, class_code="little_giant", reason=" "
        )
    with pytest.raises(NotFound):
        classification_remove(
            actor=reviewer,
            program_id=guangxi.pk,
            uscc=uscc,
            class_code="above_scale",
            reason="误报",
        )
    assert enterprise_classes(program=guangxi, uscc=uscc) == {"little_giant"}
