"""Importing a program's provider directory (服务机构名录) from .xlsx or .csv: rows accepted
or refused with a reason, repeat imports update, staff of the program's region only."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from conftest import make_uscc
from smevoucher.audit.models import AuditRecord
from smevoucher.core.errors import DomainError, NotFound
from smevoucher.programs.tests.test_imports_parsing import csv_bytes, xlsx_bytes
from smevoucher.providers.directory_file import level_of
from smevoucher.providers.models import DirectoryEntry, DirectoryImport
from smevoucher.providers.services import (
    directory_entry_remove,
    directory_import_run,
    directory_import_start,
)

pytestmark = pytest.mark.django_db

HEADER = ("机构全称", "统一社会信用代码", "级别", "所在城市")


def rows():
    return [
        HEADER,
        ("广西中小企业服务中心", make_uscc(1), "国家级", ""),
        ("广西数字化促进会", make_uscc(2), "省级", ""),
        ("柳州市中小企业服务站", make_uscc(3), "市级", "柳州市"),
        ("桂林市创业服务平台", make_uscc(4), "市级", "桂林"),
        ("无城市的市级平台", make_uscc(5), "市级", ""),
        ("广州市外省平台", make_uscc(6), "市级", "广州市"),
        ("校验位错误平台", "91450200000000001X", "省级", ""),
        ("", make_uscc(7), "省级", ""),
        ("级别不明平台", make_uscc(8), "区级", ""),
        ("重复平台", make_uscc(1), "国家级", ""),
    ]


def upload(content: bytes, name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


def run(actor, program, content: bytes, name: str = "名录.xlsx") -> DirectoryImport:
    job = directory_import_start(actor=actor, program_id=program.pk, uploaded=upload(content, name))
    return directory_import_run(import_id=job.pk)


@pytest.mark.parametrize(
    "content",
    [
        xlsx_bytes(rows(), title="2024年广西中小企业公共服务示范平台名录"),
        csv_bytes(rows()),
        csv_bytes(rows(), encoding="gb18030"),
    ],
    ids=["xlsx", "csv-utf8", "csv-gb18030"],
)
def test_a_directory_is_imported_with_refused_rows_and_reasons(province_reviewer, program, content):
    # when the province's reviewer imports the directory
    job = run(province_reviewer, program, content)
    # then the good rows are listed with their level and city
    assert job.status == "done"
    assert (job.total_rows, job.processed_rows, job.accepted_rows) == (10, 10, 4)
    entries = {e.name: (e.level, e.city_id) for e in DirectoryEntry.objects.filter(program=program)}
    assert entries == {
        "广西中小企业服务中心": ("national", None),
        "广西数字化促进会": ("provincial", None),
        "柳州市中小企业服务站": ("city", "4502"),
        "桂林市创业服务平台": ("city", "4503"),
    }
    # and every other row is refused with its reason
    reasons = {item["name"]: item["reason"] for item in job.refused}
    assert "所在城市" in reasons["无城市的市级平台"]
    assert "不是本项目所在省份的城市" in reasons["广州市外省平台"]
    assert "校验" in reasons["校验位错误平台"] or "信用代码" in reasons["校验位错误平台"]
    assert "未填写机构全称" in reasons[""]
    assert "级别" in reasons["级别不明平台"]
    assert reasons["重复平台"] == "文件内重复"
    # one record when started (the reviewer), one when done (the system)
    actions = AuditRecord.objects.filter(action__startswith="directory_import")
    assert list(actions.order_by("pk").values_list("action", flat=True)) == [
        "directory_import.started",
        "directory_import.done",
    ]


def test_importing_again_updates_the_listed_institutions(province_reviewer, program):
    run(
        province_reviewer,
        program,
        csv_bytes([HEADER, ("旧名平台", make_uscc(1), "省级", "")]),
        "a.csv",
    )
    run(
        province_reviewer,
        program,
        csv_bytes([HEADER, ("新名平台", make_uscc(1), "市级", "柳州")]),
        "b.csv",
    )
    entry = DirectoryEntry.objects.get(program=program)
    assert (entry.name, entry.level, entry.city_id) == ("新名平台", "city", "4502")


def test_a_file_without_the_header_is_refused_at_once(province_reviewer, program):
    with pytest.raises(DomainError, match="机构全称") as refused:
        directory_import_start(
            actor=province_reviewer,
            program_id=program.pk,
            uploaded=upload(csv_bytes([("统一社会信用代码", "企业名称")]), "x.csv"),
        )
    assert refused.value.field == "file"
    assert not DirectoryImport.objects.exists()


def test_an_old_xls_file_is_refused(province_reviewer, program):
    with pytest.raises(DomainError, match="xls"):
        directory_import_start(
            actor=province_reviewer,
            program_id=program.pk,
            uploaded=upload(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "名录.xls"),
        )


def test_a_city_reviewer_cannot_import_a_provincial_programs_directory(liuzhou_reviewer, program):
    with pytest.raises(NotFound):
        directory_import_start(
            actor=liuzhou_reviewer,
            program_id=program.pk,
            uploaded=upload(csv_bytes(rows()), "x.csv"),
        )


def test_an_enterprise_cannot_import(enterprise_user, program):
    with pytest.raises(DomainError) as refused:
        directory_import_start(
            actor=enterprise_user,
            program_id=program.pk,
            uploaded=upload(csv_bytes(rows()), "x.csv"),
        )
    assert refused.value.status == 403


def test_removing_an_entry_needs_a_reason_and_is_audited(
    province_reviewer, program, put_on_directory, liuzhou_org
):
    entry = put_on_directory(program, liuzhou_org)
    with pytest.raises(DomainError, match="原因"):
        directory_entry_remove(actor=province_reviewer, entry_id=entry.pk, reason="")
    directory_entry_remove(actor=province_reviewer, entry_id=entry.pk, reason="认定资格已过期")
    assert not DirectoryEntry.objects.exists()
    record = AuditRecord.objects.get(action="directory_entry.removed")
    assert record.reason == "认定资格已过期"
    assert record.data["uscc"] == liuzhou_org.uscc


def test_another_regions_staff_cannot_remove(
    liuzhou_reviewer, program, put_on_directory, liuzhou_org
):
    entry = put_on_directory(program, liuzhou_org)
    with pytest.raises(NotFound):
        directory_entry_remove(actor=liuzhou_reviewer, entry_id=entry.pk, reason="x")


@pytest.mark.parametrize(
    ("text", "level"),
    [
        ("国家级", "national"),
        ("国家级示范平台", "national"),
        ("省级", "provincial"),
        ("自治区级", "provincial"),
        ("市级", "city"),
        ("city", "city"),
        ("", None),
        ("县级", None),
    ],
)
def test_levels_as_people_write_them(text, level):
    assert level_of(text) == level
