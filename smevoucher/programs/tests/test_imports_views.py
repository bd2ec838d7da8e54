"""Staff pages of the classified-enterprise lists (企业名单导入)."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from conftest import make_uscc
from smevoucher.programs.models import ClassificationImport, EnterpriseClassification
from smevoucher.programs.presets import guangdong_2024, guangxi_2024
from smevoucher.programs.services import classification_import_start, program_create

from .test_imports_parsing import HEADER, csv_bytes, xlsx_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)


def _program(preset, region_code):
    return program_create(
        actor=None,
        code=preset.CODE,
        name=preset.NAME,
        policy_title="",
        region_code=region_code,
        year=2024,
        rules=preset.RULES,
    )


@pytest.fixture
def guangxi():
    return _program(guangxi_2024, "45")


@pytest.fixture
def guangdong():
    return _program(guangdong_2024, "44")


@pytest.fixture
def reviewer(make_staff):
    return make_staff(region_code="45", roles=("reviewer",), phone="13800000045")


@pytest.fixture
def guangdong_reviewer(make_staff):
    return make_staff(region_code="44", roles=("reviewer",), phone="13800000044")


@pytest.fixture
def imported(guangxi, reviewer, django_capture_on_commit_callbacks):
    """A 小巨人 list imported, with one good row and the cells an attacker would send."""
    content = csv_bytes(
        [
            HEADER,
            (make_uscc(1), "广西甲机械有限公司", "little_giant"),
            ('=HYPERLINK("http://x")', "乙", "little_giant"),
            ("+8613800000000", "丙", "little_giant"),
            ("@SUM(A1)", "丁", "little_giant"),
            ("-1", "戊", "little_giant"),
        ]
    )
    with django_capture_on_commit_callbacks(execute=True):
        job = classification_import_start(
            actor=reviewer,
            program_id=guangxi.pk,
            uploaded=SimpleUploadedFile("名单.csv", content),
            class_code="",
        )
    job.refresh_from_db()
    return job


def test_who_may_open_the_list_pages(
    client, enterprise_user, make_staff, reviewer, guangdong_reviewer, guangxi, imported
):
    pages = [
        reverse("classifications:index"),
        reverse("classifications:upload"),
        reverse("classifications:program", args=[guangxi.pk]),
        reverse("classifications:import", args=[imported.pk]),
        reverse("classifications:import_progress", args=[imported.pk]),
        reverse("classifications:import_refused", args=[imported.pk]),
    ]
    # anonymous: to the login page
    for url in pages:
        assert client.get(url).status_code == 302
    # an enterprise, or staff without a reviewing or admin role: forbidden
    finance = make_staff(region_code="45", roles=("finance",), phone="13800000046")
    for user in (enterprise_user, finance):
        client.force_login(user)
        for url in pages:
            assert client.get(url).status_code == 403, url
    # a reviewer of another province: its pages exist for no one there
    client.force_login(guangdong_reviewer)
    for url in pages[2:]:
        assert client.get(url).status_code == 404, url
    remove = reverse("classifications:remove", args=[guangxi.pk])
    response = client.post(
        remove, {"uscc": make_uscc(1), "class_code": "little_giant", "reason": "x"}
    )
    assert response.status_code == 404
    assert EnterpriseClassification.objects.filter(uscc=make_uscc(1)).exists()
    # the reviewer of the region: every page
    client.force_login(reviewer)
    for url in pages:
        assert client.get(url).status_code == 200, url


def test_the_menu_entry_shows_for_reviewers_and_admins(client, reviewer, make_staff):
    finance = make_staff(region_code="45", roles=("finance",), phone="13800000046")
    admin = make_staff(region_code="45", roles=("sysadmin",), phone="13800000047")
    for user, shown in ((reviewer, True), (admin, True), (finance, False)):
        client.force_login(user)
        body = client.get(reverse("reviews:workbench")).content.decode()
        assert ("企业名单导入" in body) is shown


def test_the_index_lists_only_programs_of_the_region_with_counts_per_class(
    client, reviewer, guangxi, guangdong, imported
):
    client.force_login(reviewer)
    body = client.get(reverse("classifications:index")).content.decode()
    assert guangxi_2024.NAME in body
    assert guangdong_2024.NAME not in body
    assert "专精特新“小巨人”企业" in body
    assert "<td>1</td>" in body  # one enterprise on the 小巨人 list


def test_uploading_a_list_through_the_page_imports_it(
    client, reviewer, guangxi, django_capture_on_commit_callbacks
):
    # given the upload form
    client.force_login(reviewer)
    page = client.get(reverse("classifications:upload"), {"program": guangxi.pk})
    assert "文件中注明" in page.content.decode()
    # when an Excel list is sent for the 小巨人 class
    content = xlsx_bytes(
        [HEADER, (make_uscc(1), "广西甲公司", ""), (make_uscc(2), "广西乙公司", "")]
    )
    with django_capture_on_commit_callbacks(execute=True):  # the task runs at commit
        response = client.post(
            reverse("classifications:upload"),
            {
                "program": guangxi.pk,
                "class_code": "little_giant",
                "file": SimpleUploadedFile("小巨人名单.xlsx", content),
            },
        )
    # then the import's page shows it finished, with its counts and a full progress bar
    job = ClassificationImport.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("classifications:import", args=[job.pk])
    body = client.get(response.url).content.decode()
    assert "已完成" in body
    assert '<progress id="import-progress-bar" max="2" value="2">' in body
    assert "小巨人名单.xlsx" in body
    assert "所有行均已导入" in body
    assert "import_progress.js" not in body  # nothing left to poll
    assert EnterpriseClassification.objects.filter(program=guangxi).count() == 2


def test_an_upload_the_service_refuses_shows_the_reason_on_the_form(client, reviewer, guangxi):
    client.force_login(reviewer)
    response = client.post(
        reverse("classifications:upload"),
        {
            "program": guangxi.pk,
            "class_code": "",
            "file": SimpleUploadedFile("名单.csv", csv_bytes([("信用代码",), (make_uscc(1),)])),
        },
    )
    assert response.status_code == 400
    assert "文件中没有“类别”列" in response.content.decode()
    response = client.post(
        reverse("classifications:upload"),
        {
            "program": guangxi.pk,
            "class_code": "little_giant",
            "file": SimpleUploadedFile("名单.pdf", b"%PDF-1.7\n\x00binary"),
        },
    )
    assert response.status_code == 400
    assert "仅支持Excel（.xlsx）或CSV格式" in response.content.decode()
    assert not ClassificationImport.objects.exists()


def test_a_running_import_page_polls_and_offers_a_refresh_link(client, reviewer, guangxi):
    # given an import queued and not yet run by the worker
    job = classification_import_start(
        actor=reviewer,
        program_id=guangxi.pk,
        uploaded=SimpleUploadedFile("名单.csv", csv_bytes([HEADER, (make_uscc(1), "", "")])),
        class_code="above_scale",
    )
    client.force_login(reviewer)
    # when its page is opened
    body = client.get(reverse("classifications:import", args=[job.pk])).content.decode()
    # then it shows the status, a refresh link for pages without script, and the script
    assert "排队中" in body
    assert "刷新" in body
    assert "js/import_progress.js" in body
    assert "<script>" not in body  # no inline script
    assert reverse("classifications:import_progress", args=[job.pk]) in body


def test_the_progress_endpoint_reports_the_counters(client, reviewer, imported):
    client.force_login(reviewer)
    response = client.get(reverse("classifications:import_progress", args=[imported.pk]))
    assert response["Cache-Control"].startswith("max-age=0")
    assert response.json() == {
        "status": "done",
        "status_label": "已完成",
        "finished": True,
        "total_rows": 5,
        "processed_rows": 5,
        "accepted_rows": 1,
        "refused_rows": 4,
        "percent": 100,
    }


def test_the_import_page_lists_refused_rows(client, reviewer, imported):
    client.force_login(reviewer)
    body = client.get(reverse("classifications:import", args=[imported.pk])).content.decode()
    assert "未导入的行" in body
    assert "@SUM(A1)" in body
    assert "统一社会信用代码格式不正确" in body or "统一社会信用代码应为18位" in body


def test_the_refused_rows_csv_cannot_run_formulas(client, reviewer, imported):
    # given an import whose refused rows hold cells starting with = + @ -
    client.force_login(reviewer)
    # when the refused rows are downloaded
    response = client.get(reverse("classifications:import_refused", args=[imported.pk]))
    # then it is a UTF-8 CSV Excel opens, and no cell starts a formula
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))
    assert rows[0] == ["行号", "统一社会信用代码", "未导入原因"]
    codes = [row[1] for row in rows[1:]]
    assert codes == ['\'=HYPERLINK("http://x")', "'+8613800000000", "'@SUM(A1)", "'-1"]
    assert [row[0] for row in rows[1:]] == ["3", "4", "5", "6"]
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)


def test_searching_a_code_shows_its_classes_and_tier_and_it_can_be_removed(
    client, reviewer, guangxi, imported
):
    # given an enterprise on the 小巨人 list
    client.force_login(reviewer)
    url = reverse("classifications:program", args=[guangxi.pk])
    # when staff look up its code
    body = client.get(url, {"uscc": make_uscc(1)}).content.decode()
    # then its class and the 30万 tier show, with a remove button
    assert "专精特新“小巨人”企业" in body
    assert "广西甲机械有限公司" in body
    assert "300,000.00" in body
    assert "移出名单" in body
    # when it is removed without a reason, it stays
    response = client.post(
        reverse("classifications:remove", args=[guangxi.pk]),
        {"uscc": make_uscc(1), "class_code": "little_giant", "reason": ""},
    )
    assert response.status_code == 400
    assert "请填写移出名单的原因" in response.content.decode()
    # when it is removed with a reason
    response = client.post(
        reverse("classifications:remove", args=[guangxi.pk]),
        {"uscc": make_uscc(1), "class_code": "little_giant", "reason": "名单更新"},
    )
    # then it is off the list and the page shows no tier
    assert response.status_code == 302
    assert not EnterpriseClassification.objects.filter(uscc=make_uscc(1)).exists()
    body = client.get(response.url).content.decode()
    assert "已移出名单" in body
    assert "不在任何档次" in body


def test_a_bad_code_in_the_search_is_explained(client, reviewer, guangxi):
    client.force_login(reviewer)
    body = client.get(
        reverse("classifications:program", args=[guangxi.pk]), {"uscc": "911100001000013251"}
    ).content.decode()
    assert "校验位不正确" in body


def test_the_index_reads_a_fixed_number_of_queries_however_many_programs(
    client, reviewer, guangxi, imported
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from smevoucher.programs.presets import liuzhou_2024

    client.force_login(reviewer)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("classifications:index")).status_code == 200
        return len(captured)

    # given the index read with one program
    one = queries()
    # when two more programs of the region (a city's among them) are added
    _program(liuzhou_2024, "4502")
    program_create(
        actor=None,
        code="guangxi-2025",
        name="广西2025",
        policy_title="",
        region_code="45",
        year=2025,
        rules=guangxi_2024.RULES,
    )
    # then it still takes as many queries
    assert queries() == one
