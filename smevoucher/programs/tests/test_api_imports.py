"""The classified-enterprise list endpoints: upload a list and follow its import, look an
enterprise up with the tier its classes give, take it off a list; only system admins and
reviewers of the program's region (enterprises 403, another region 404)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from conftest import make_uscc
from smevoucher.accounts.services import api_token_create
from smevoucher.audit.models import AuditRecord
from smevoucher.programs.models import ClassificationImport, EnterpriseClassification
from smevoucher.programs.services import classification_add

from .test_imports_parsing import HEADER, csv_bytes, xlsx_bytes

pytestmark = pytest.mark.django_db

WAN = 1_000_000  # one 万元 in fen


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)


@pytest.fixture
def program(make_program):
    return make_program()  # Guangxi's rules, region 45


@pytest.fixture
def reviewer(make_staff):
    return make_staff(region_code="45", roles=("reviewer",), display_name="自治区审核员")


@pytest.fixture
def sysadmin(make_staff):
    return make_staff(region_code="45", roles=("sysadmin",), display_name="自治区管理员")


@pytest.fixture
def other_region_reviewer(make_staff):
    return make_staff(region_code="44", roles=("reviewer",), display_name="广东省审核员")


def _headers(user) -> dict:
    if user is None:
        return {}
    _token, key = api_token_create(actor=user)
    return {"Authorization": f"Bearer {key}"}


def upload(client, user, program_id: int, content: bytes, *, name="名单.xlsx", class_code=None):
    data = {"file": SimpleUploadedFile(name, content)}
    if class_code is not None:
        data["class_code"] = class_code
    return client.post(
        f"/api/v1/classifications/programs/{program_id}/imports", data, headers=_headers(user)
    )


def get(client, user, path: str, params=None):
    return client.get(f"/api/v1/classifications{path}", params or {}, headers=_headers(user))


def delete(client, user, program_id: int, body: dict):
    return client.delete(
        f"/api/v1/classifications/programs/{program_id}/entries",
        body,
        content_type="application/json",
        headers=_headers(user),
    )


@pytest.fixture
def imported(client, django_capture_on_commit_callbacks):
    """Upload a list through the API and let the queued import run (it does at commit)."""

    def run(user, program, content: bytes, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            response = upload(client, user, program.pk, content, **kwargs)
        assert response.status_code == 201, response.json()
        return response.json()

    return run


# --- POST /programs/{program_id}/imports and GET /imports/{import_id} ---


def test_an_uploaded_list_is_imported_and_its_progress_and_refused_rows_are_shown(
    client, program, reviewer, imported
):
    # given an Excel list of the 小巨人 class: two good rows and one with a wrong check digit
    good, other = make_uscc(1), make_uscc(2)
    bad = make_uscc(3)[:-1] + ("0" if make_uscc(3)[-1] != "0" else "1")
    content = xlsx_bytes([HEADER, (good, "广西甲公司", ""), (bad, "广西乙公司", ""), (other,)])
    # when a reviewer of the region uploads it
    created = imported(reviewer, program, content, class_code="little_giant", name="小巨人.xlsx")
    # then the import is answered as queued (its task runs at commit), for the class chosen
    assert (created["status"], created["finished"], created["percent"]) == ("pending", False, 0)
    assert created["program_id"] == program.pk
    assert created["class_code"] == "little_giant"
    assert created["class_name"] == "专精特新“小巨人”企业"
    assert created["original_name"] == "小巨人.xlsx"
    assert created["created_by_name"] == "自治区审核员"
    # and once the task has run, its counters, progress and the refused row with its reason
    body = get(client, reviewer, f"/imports/{created['id']}").json()
    assert body["status"] == "done"
    assert body["status_label"] == "已完成"
    assert body["finished"] is True
    assert body["percent"] == 100
    assert (body["total_rows"], body["processed_rows"], body["accepted_rows"]) == (3, 3, 2)
    assert (body["refused_rows"], body["added_rows"]) == (1, 2)
    assert body["refused_truncated"] is False
    assert body["finished_at"] is not None
    [refused] = body["refused"]
    assert refused["row"] == 3
    assert refused["uscc"] == bad
    assert "校验" in refused["reason"]
    assert set(
        EnterpriseClassification.objects.filter(program=program).values_list("uscc", flat=True)
    ) == {good, other}


def test_a_csv_list_names_the_class_on_each_row(program, sysadmin, imported, client):
    # given a CSV list with the class per row, one of them not a class of the program
    content = csv_bytes(
        [
            HEADER,
            (make_uscc(1), "广西甲公司", "规模以上制造业企业"),
            (make_uscc(2), "广西乙公司", "自治区数字化车间"),
            (make_uscc(3), "广西丙公司", "火星企业"),
        ]
    )
    # when a system admin of the region uploads it without choosing a class
    created = imported(sysadmin, program, content, name="名单.csv")
    # then the class comes from each row, and the unknown one is refused with its name
    assert created["class_code"] == ""
    assert created["class_name"] is None
    body = get(client, sysadmin, f"/imports/{created['id']}").json()
    assert (body["accepted_rows"], body["refused_rows"]) == (2, 1)
    assert "火星企业" in body["refused"][0]["reason"]
    assert dict(
        EnterpriseClassification.objects.filter(program=program).values_list("uscc", "class_code")
    ) == {make_uscc(1): "above_scale", make_uscc(2): "gx_digital_workshop"}


def test_only_the_first_hundred_refused_rows_are_listed(client, program, reviewer, imported):
    # given a list of 150 rows, none with a code
    content = csv_bytes([HEADER, *((f"坏代码{n}", f"企业{n}", "") for n in range(150))])
    # when it is imported
    created = imported(reviewer, program, content, class_code="above_scale")
    # then all 150 are counted as refused, the first 100 listed, and the list says so
    body = get(client, reviewer, f"/imports/{created['id']}").json()
    assert body["refused_rows"] == 150
    assert len(body["refused"]) == 100
    assert body["refused"][0]["row"] == 2
    assert body["refused_truncated"] is True


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b"%PDF-1.7\n%\x00\x01binary", "classification_import.type"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64, "classification_import.xls"),
        (b"", "classification_import.empty"),
        ("名称,地址\r\n甲公司,柳州\r\n".encode(), "classification_import.header"),
    ],
    ids=["pdf", "old-xls", "empty", "no-uscc-column"],
)
def test_a_file_that_is_not_a_list_is_refused_with_the_reason(
    client, program, reviewer, content, code
):
    # when a file that is not a usable list is uploaded
    response = upload(client, reviewer, program.pk, content, class_code="little_giant")
    # then it is refused for the file, in Chinese, and no import is started
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == code
    assert body["field"] == "file"
    assert body["message"]
    assert not ClassificationImport.objects.exists()


def test_a_class_the_program_does_not_have_is_refused(client, program, reviewer):
    content = xlsx_bytes([HEADER, (make_uscc(1), "广西甲公司", "")])
    response = upload(client, reviewer, program.pk, content, class_code="martian")
    assert response.status_code == 400
    assert response.json()["code"] == "classification_import.unknown_class"
    assert response.json()["field"] == "class_code"
    assert not ClassificationImport.objects.exists()


def test_a_file_without_a_class_column_needs_a_class_chosen(client, program, reviewer):
    content = csv_bytes([("统一社会信用代码", "企业名称"), (make_uscc(1), "广西甲公司")])
    response = upload(client, reviewer, program.pk, content, name="名单.csv")
    assert response.status_code == 400
    assert response.json()["code"] == "classification_import.class_required"
    assert response.json()["field"] == "class_code"


def test_an_upload_without_a_file_or_with_an_overlong_class_is_malformed(client, program, reviewer):
    headers = _headers(reviewer)
    path = f"/api/v1/classifications/programs/{program.pk}/imports"
    no_file = client.post(path, {"class_code": "little_giant"}, headers=headers)
    assert no_file.status_code == 422
    assert no_file.json()["errors"][0]["field"] == "file"
    overlong = upload(client, reviewer, program.pk, b"x", class_code="x" * 41)
    assert overlong.status_code == 422
    assert overlong.json()["errors"][0]["field"] == "class_code"


# --- GET /programs/{program_id}?uscc= ---


def test_the_lookup_shows_the_lists_an_enterprise_is_on_and_the_tier_they_give(
    client, program, reviewer
):
    # given an enterprise on the 规模以上 list and the 小巨人 list
    uscc = make_uscc(1)
    classification_add(
        actor=reviewer,
        program_id=program.pk,
        uscc=uscc,
        class_code="above_scale",
        enterprise_name="广西甲公司",
    )
    classification_add(actor=reviewer, program_id=program.pk, uscc=uscc, class_code="little_giant")
    # when a reviewer looks it up (lower case, as typed)
    response = get(client, reviewer, f"/programs/{program.pk}", {"uscc": uscc.lower()})
    # then both entries show with their class names, and the highest tier (30万)
    assert response.status_code == 200
    body = response.json()
    assert body["uscc"] == uscc
    assert body["enterprise_name"] == "广西甲公司"
    assert [(e["class_code"], e["class_name"], e["in_rules"]) for e in body["entries"]] == [
        ("above_scale", "规模以上制造业企业", True),
        ("little_giant", "专精特新“小巨人”企业", True),
    ]
    assert body["entries"][0]["source_import_id"] is None
    assert body["tier"] == {
        "key": "t30",
        "name": "国家级单项冠军、专精特新“小巨人”",
        "amount_fen": 30 * WAN,
    }


def test_an_enterprise_on_no_list_has_no_entries_and_no_tier(client, program, reviewer):
    # Guangxi has no default tier: an enterprise on no list gets no general voucher.
    response = get(client, reviewer, f"/programs/{program.pk}", {"uscc": make_uscc(9)})
    assert response.status_code == 200
    assert response.json()["entries"] == []
    assert response.json()["tier"] is None


def test_the_lookup_refuses_a_code_that_is_not_a_uscc(client, program, reviewer):
    wrong = get(client, reviewer, f"/programs/{program.pk}", {"uscc": "91450200ABC"})
    assert wrong.status_code == 400
    assert wrong.json()["code"] == "uscc.length"
    missing = get(client, reviewer, f"/programs/{program.pk}")
    assert missing.status_code == 422


def test_the_lookup_takes_the_same_queries_however_many_lists(client, program, reviewer):
    # given one enterprise on one list and another on three
    one, three = make_uscc(1), make_uscc(2)
    classification_add(actor=reviewer, program_id=program.pk, uscc=one, class_code="above_scale")
    for code in ("above_scale", "gx_srdi_sme", "little_giant"):
        classification_add(actor=reviewer, program_id=program.pk, uscc=three, class_code=code)
    headers = _headers(reviewer)
    path = f"/api/v1/classifications/programs/{program.pk}"

    def queries(uscc: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(path, {"uscc": uscc}, headers=headers).status_code == 200
        return len(captured)

    # then looking either up costs the same number of queries
    assert queries(one) == queries(three)


# --- DELETE /programs/{program_id}/entries ---


def test_removing_an_entry_takes_it_off_the_list_and_answers_the_new_tier(
    client, program, reviewer
):
    # given an enterprise on the 规模以上 and 小巨人 lists
    uscc = make_uscc(1)
    for code in ("above_scale", "little_giant"):
        classification_add(actor=reviewer, program_id=program.pk, uscc=uscc, class_code=code)
    # when the reviewer takes it off the 小巨人 list, with the reason
    response = delete(
        client,
        reviewer,
        program.pk,
        {"uscc": uscc, "class_code": "little_giant", "reason": "名单更新，已不在认定名单中"},
    )
    # then it is on the 规模以上 list only, its tier falls to 5万, and the removal is recorded
    assert response.status_code == 200
    body = response.json()
    assert [e["class_code"] for e in body["entries"]] == ["above_scale"]
    assert body["tier"]["amount_fen"] == 5 * WAN
    record = AuditRecord.objects.get(action="classification.removed")
    assert record.reason == "名单更新，已不在认定名单中"
    assert record.actor == reviewer


def test_removing_needs_a_reason_and_an_entry_on_the_list(client, program, reviewer):
    uscc = make_uscc(1)
    classification_add(actor=reviewer, program_id=program.pk, uscc=uscc, class_code="above_scale")
    # a blank reason is refused for the reason field
    blank = delete(
        client, reviewer, program.pk, {"uscc": uscc, "class_code": "above_scale", "reason": " "}
    )
    assert blank.status_code == 400
    assert blank.json()["code"] == "classification.reason_required"
    assert blank.json()["field"] == "reason"
    # a class the enterprise is not on answers 404
    absent = delete(
        client, reviewer, program.pk, {"uscc": uscc, "class_code": "little_giant", "reason": "x"}
    )
    assert absent.status_code == 404
    # and the entry is still there
    assert EnterpriseClassification.objects.filter(uscc=uscc).count() == 1
    assert not AuditRecord.objects.filter(action="classification.removed").exists()


# --- who may ---


@pytest.fixture
def calls(client, program, reviewer):
    """One call of each endpoint by ``user``, against a program with one entry and one import."""
    uscc = make_uscc(1)
    classification_add(actor=reviewer, program_id=program.pk, uscc=uscc, class_code="above_scale")
    job = ClassificationImport.objects.create(
        program=program, class_code="above_scale", original_name="名单.xlsx", created_by=reviewer
    )
    content = xlsx_bytes([HEADER, (make_uscc(2), "广西乙公司", "")])

    def run(user) -> dict:
        return {
            "upload": upload(client, user, program.pk, content, class_code="above_scale"),
            "import": get(client, user, f"/imports/{job.pk}"),
            "lookup": get(client, user, f"/programs/{program.pk}", {"uscc": uscc}),
            "remove": delete(
                client,
                user,
                program.pk,
                {"uscc": uscc, "class_code": "above_scale", "reason": "试图移出"},
            ),
        }

    return run


def test_enterprises_are_refused_every_endpoint(calls, enterprise_user):
    responses = calls(enterprise_user)
    assert {name: r.status_code for name, r in responses.items()} == dict.fromkeys(responses, 403)
    assert {r.json()["code"] for r in responses.values()} == {"classification.forbidden"}
    assert ClassificationImport.objects.count() == 1
    assert EnterpriseClassification.objects.count() == 1


def test_staff_of_another_region_find_nothing(calls, other_region_reviewer):
    responses = calls(other_region_reviewer)
    assert {name: r.status_code for name, r in responses.items()} == dict.fromkeys(responses, 404)
    assert ClassificationImport.objects.count() == 1
    assert EnterpriseClassification.objects.count() == 1


def test_staff_without_a_list_role_are_refused(calls, make_staff):
    # a staff member of the region with no role that manages the lists
    responses = calls(make_staff(region_code="45", roles=()))
    assert {name: r.status_code for name, r in responses.items()} == dict.fromkeys(responses, 403)


def test_anonymous_callers_must_log_in(calls):
    responses = calls(None)
    assert {name: r.status_code for name, r in responses.items()} == dict.fromkeys(responses, 401)


def test_a_system_admin_of_the_region_may_use_every_endpoint(calls, sysadmin):
    responses = calls(sysadmin)
    assert {name: r.status_code for name, r in responses.items()} == {
        "upload": 201,
        "import": 200,
        "lookup": 200,
        "remove": 200,
    }


def test_a_program_that_does_not_exist_answers_404(client, reviewer):
    assert get(client, reviewer, "/programs/999999", {"uscc": make_uscc(1)}).status_code == 404
    assert get(client, reviewer, "/imports/999999").status_code == 404
    content = xlsx_bytes([HEADER, (make_uscc(1), "广西甲公司", "")])
    assert upload(client, reviewer, 999999, content, class_code="x").status_code == 404
