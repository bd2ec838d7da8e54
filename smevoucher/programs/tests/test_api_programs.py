"""The program endpoints: who sees which programs, the rules in force, the history, and
new versions for system admins only."""

import copy
import datetime as dt

import pytest
from django.utils import timezone

from conftest import VALID_ID, make_uscc
from smevoucher.accounts.services import api_token_create
from smevoucher.orgs.models import Organization, OrgMember
from smevoucher.programs.models import ProgramVersion
from smevoucher.programs.presets import guangdong_2024, guangxi_2024
from smevoucher.programs.services import program_create, program_version_publish
from smevoucher.regions.models import Region

pytestmark = pytest.mark.django_db


def call(client, method: str, path: str, user=None, data=None):
    headers = {}
    if user is not None:
        _token, key = api_token_create(actor=user)
        headers["Authorization"] = f"Bearer {key}"
    if method == "get":
        return client.get(f"/api/v1{path}", data or {}, headers=headers)
    return getattr(client, method)(
        f"/api/v1{path}", data or {}, content_type="application/json", headers=headers
    )


def create_from(preset, *, code=None, region_code=None, status="active"):
    return program_create(
        actor=None,
        code=code or preset.CODE,
        name=preset.NAME,
        policy_title=preset.POLICY,
        region_code=region_code or preset.REGION,
        year=preset.YEAR,
        rules=preset.RULES,
        status=status,
    )


@pytest.fixture
def guangxi():
    return create_from(guangxi_2024)


@pytest.fixture
def guangdong():
    return create_from(guangdong_2024)


@pytest.fixture
def province_admin(make_staff):
    return make_staff(region_code="45", roles=("sysadmin",), display_name="自治区管理员")


@pytest.fixture
def liuzhou_enterprise(enterprise_user):
    org = Organization.objects.create(
        kind="enterprise",
        name="柳州市测试机械有限公司",
        uscc=make_uscc(7),
        region=Region.objects.get(code="450202"),
        region_code="450202",
        legal_rep_name="张三",
        legal_rep_id_type="resident_id",
        legal_rep_id_number=VALID_ID,
        legal_rep_id_index="x",
        status="approved",
        owner=enterprise_user,
    )
    OrgMember.objects.create(org=org, user=enterprise_user, role="owner")
    return enterprise_user


def ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {program["id"] for program in response.json()}


def test_login_is_required(client, guangxi):
    response = call(client, "get", "/programs")
    assert response.status_code == 401
    assert response.json()["code"] == "unauthorized"


def test_staff_see_the_programs_of_their_jurisdiction(
    client, guangxi, guangdong, liuzhou_reviewer, make_staff
):
    assert ids(call(client, "get", "/programs", liuzhou_reviewer)) == {guangxi.pk}
    guangdong_staff = make_staff(region_code="44", roles=("reviewer",))
    assert ids(call(client, "get", "/programs", guangdong_staff)) == {guangdong.pk}
    response = call(client, "get", f"/programs/{guangxi.pk}", guangdong_staff)
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_an_enterprise_sees_the_active_programs_covering_its_region(
    client, guangxi, guangdong, liuzhou_enterprise, other_enterprise_user
):
    draft = create_from(guangxi_2024, code="guangxi-draft", status="draft")
    nanning = create_from(guangxi_2024, code="nanning-test", region_code="4501")
    liuzhou = create_from(guangxi_2024, code="liuzhou-test", region_code="4502")
    assert ids(call(client, "get", "/programs", liuzhou_enterprise)) == {guangxi.pk, liuzhou.pk}
    for hidden in (guangdong, draft, nanning):
        response = call(client, "get", f"/programs/{hidden.pk}", liuzhou_enterprise)
        assert response.status_code == 404
    # an account acting for no organization sees none
    assert ids(call(client, "get", "/programs", other_enterprise_user)) == set()


def test_the_program_answers_its_rules_in_force(client, guangxi, liuzhou_enterprise):
    response = call(client, "get", f"/programs/{guangxi.pk}", liuzhou_enterprise)
    assert response.status_code == 200
    body = response.json()
    assert body["code"] == "guangxi-2024"
    assert body["region_name"] == "广西壮族自治区"
    assert body["version"] == 1
    assert body["voucher_mode"] == "at_order"
    assert body["budget_fen"] == body["budget_left_fen"] == 12_720 * 1_000_000
    assert body["issued_fen"] == 0
    assert body["rules"]["subsidy_ratio_bp"] == 3000
    assert [t["amount_fen"] for t in body["rules"]["tiers"]] == [
        5_000_000,
        10_000_000,
        20_000_000,
        30_000_000,
    ]


def test_the_history_lists_versions_newest_first_with_their_changes(
    client, guangxi, province_admin, liuzhou_enterprise, liuzhou_reviewer
):
    program_version_publish(
        actor=province_admin,
        program_id=guangxi.pk,
        rules={**guangxi_2024.RULES, "subsidy_ratio_bp": 4000},
        note="提高补贴比例",
    )
    response = call(client, "get", f"/programs/{guangxi.pk}/versions", liuzhou_reviewer)
    assert response.status_code == 200
    first, second = response.json()
    assert (first["number"], second["number"]) == (2, 1)
    assert first["in_force"] is True
    assert second["in_force"] is False
    assert first["note"] == "提高补贴比例"
    assert first["created_by_name"] == "自治区管理员"
    assert first["changes"] == [
        {"path": "subsidy_ratio_bp", "label": "补贴比例", "old": "30%", "new": "40%"}
    ]
    assert second["changes"] == []
    # an enterprise reads the history without the names of staff
    response = call(client, "get", f"/programs/{guangxi.pk}/versions", liuzhou_enterprise)
    assert [v["created_by_name"] for v in response.json()] == [None, None]


def test_a_sysadmin_publishes_a_version(client, guangxi, province_admin):
    rules = copy.deepcopy(guangxi_2024.RULES)
    rules["per_order_cap_fen"] = 1_234_567
    response = call(
        client,
        "post",
        f"/programs/{guangxi.pk}/versions",
        province_admin,
        {"rules": rules, "note": "设置单笔上限", "base_version": 1},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["number"] == 2
    assert body["rules"]["per_order_cap_fen"] == 1_234_567
    assert body["changes"][0]["new"] == "12,345.67元"
    assert ProgramVersion.objects.filter(program=guangxi).count() == 2
    assert call(client, "get", f"/programs/{guangxi.pk}", province_admin).json()["version"] == 2


def test_only_a_sysadmin_of_the_region_may_publish(
    client, guangxi, liuzhou_reviewer, liuzhou_enterprise, make_staff
):
    payload = {"rules": guangxi_2024.RULES, "note": "试图修改"}
    for user in (
        liuzhou_reviewer,
        liuzhou_enterprise,
        make_staff(region_code="4502", roles=("sysadmin",)),
    ):
        response = call(client, "post", f"/programs/{guangxi.pk}/versions", user, payload)
        assert response.status_code == 403
        assert response.json()["code"] == "program.forbidden"
    other_province = make_staff(region_code="44", roles=("sysadmin",))
    response = call(client, "post", f"/programs/{guangxi.pk}/versions", other_province, payload)
    assert response.status_code == 404
    assert ProgramVersion.objects.filter(program=guangxi).count() == 1


def test_bad_rules_are_refused_in_chinese_naming_the_field(client, guangxi, province_admin):
    rules = {**guangxi_2024.RULES, "subsidy_ratio_bp": 15000}
    response = call(
        client,
        "post",
        f"/programs/{guangxi.pk}/versions",
        province_admin,
        {"rules": rules, "note": "错误的比例"},
    )
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "program.rules_invalid"
    assert body["message"] == "项目规则不正确：补贴比例：不能大于100%"
    assert body["field"] == "rules.subsidy_ratio_bp"
    assert ProgramVersion.objects.filter(program=guangxi).count() == 1


def test_a_budget_cut_and_a_stale_base_are_refused(client, guangxi, province_admin):
    path = f"/programs/{guangxi.pk}/versions"
    cut = {"rules": {**guangxi_2024.RULES, "budget_fen": 100}, "note": "削减预算"}
    response = call(client, "post", path, province_admin, cut)
    assert response.status_code == 400
    assert response.json()["code"] == "program.budget_cut"
    program_version_publish(
        actor=province_admin, program_id=guangxi.pk, rules=guangxi_2024.RULES, note="他人修订"
    )
    stale = {"rules": guangxi_2024.RULES, "note": "基于旧版本", "base_version": 1}
    response = call(client, "post", path, province_admin, stale)
    assert response.status_code == 409
    assert response.json()["code"] == "program.version_stale"
    assert ProgramVersion.objects.filter(program=guangxi).count() == 2


def test_the_note_is_required_and_bounded(client, guangxi, province_admin):
    path = f"/programs/{guangxi.pk}/versions"
    response = call(
        client, "post", path, province_admin, {"rules": guangxi_2024.RULES, "note": "x" * 301}
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "note"
    response = call(
        client, "post", path, province_admin, {"rules": guangxi_2024.RULES, "note": " "}
    )
    assert response.status_code == 400
    assert response.json()["code"] == "program.note_required"


def test_a_version_may_start_later_and_waits(client, guangxi, province_admin):
    later = (timezone.localtime() + dt.timedelta(days=30)).replace(tzinfo=None)
    response = call(
        client,
        "post",
        f"/programs/{guangxi.pk}/versions",
        province_admin,
        {
            "rules": {**guangxi_2024.RULES, "subsidy_ratio_bp": 4000},
            "note": "下月起提高比例",
            "effective_from": later.isoformat(timespec="minutes"),  # no zone: platform time
        },
    )
    assert response.status_code == 201, response.content
    assert response.json()["pending"] is True
    assert response.json()["in_force"] is False
    current = call(client, "get", f"/programs/{guangxi.pk}", province_admin).json()
    assert (current["version"], current["rules"]["subsidy_ratio_bp"]) == (1, 3000)
