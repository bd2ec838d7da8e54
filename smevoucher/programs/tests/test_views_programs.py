"""The staff program editor (项目管理): who sees and edits, the rules in Chinese, new
versions through the form (exact money, Chinese errors, nothing half-published), history
with differences, new programs."""

import copy
import datetime as dt
import importlib
import json
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from smevoucher.programs.models import Program, ProgramVersion
from smevoucher.programs.presets import guangdong_2024, guangxi_2024
from smevoucher.programs.rules_text import rules_changes, rules_problems
from smevoucher.programs.services import program_create, program_version_publish

pytestmark = pytest.mark.django_db

WAN = 1_000_000  # fen


def create_from(preset, *, code=None, region_code=None, status="active") -> Program:
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
def liuzhou_admin(make_staff):
    return make_staff(region_code="4502", roles=("sysadmin",), display_name="柳州管理员")


@pytest.fixture
def guangdong_admin(make_staff):
    return make_staff(region_code="44", roles=("sysadmin",), display_name="广东管理员")


def editor_data(client, program, **changes) -> dict:
    """What the editor sends when the person changes only ``changes``."""
    response = client.get(reverse("programs:publish", args=[program.pk]))
    assert response.status_code == 200
    form = response.context["form"]
    data = {}
    for name in form.fields:
        value = form[name].value()
        data[name] = "" if value is None else str(value)
    data.update({"note": "测试修订", **changes})
    return data


def publish(client, program, **changes):
    data = editor_data(client, program, **changes)
    return client.post(reverse("programs:publish", args=[program.pk]), data)


# --- who may see and edit -------------------------------------------------------------------


def test_who_may_open_the_program_editor(
    client, guangxi, enterprise_user, liuzhou_reviewer, guangdong_admin
):
    list_url = reverse("programs:list")
    detail_url = reverse("programs:detail", args=[guangxi.pk])
    publish_url = reverse("programs:publish", args=[guangxi.pk])
    # anonymous: to the login page; an enterprise: refused
    assert client.get(list_url).status_code == 302
    client.force_login(enterprise_user)
    assert client.get(list_url).status_code == 403
    assert client.get(detail_url).status_code == 403
    # a Liuzhou reviewer sees the province's program, which runs in Liuzhou, but cannot publish
    client.force_login(liuzhou_reviewer)
    assert guangxi.name in client.get(list_url).content.decode()
    body = client.get(detail_url).content.decode()
    assert "发布新版本" not in body
    assert client.get(publish_url).status_code == 403
    assert client.post(publish_url, {"note": "x"}).status_code == 403
    assert client.get(reverse("programs:new")).status_code == 403
    # a system admin of another province: the program does not exist for them
    client.force_login(guangdong_admin)
    assert guangxi.name not in client.get(list_url).content.decode()
    assert client.get(detail_url).status_code == 404
    assert client.get(publish_url).status_code == 404
    assert ProgramVersion.objects.filter(program=guangxi).count() == 1


def test_a_city_admin_reads_the_province_program_but_cannot_change_it(
    client, guangxi, liuzhou_admin
):
    client.force_login(liuzhou_admin)
    assert client.get(reverse("programs:detail", args=[guangxi.pk])).status_code == 200
    assert client.get(reverse("programs:publish", args=[guangxi.pk])).status_code == 403


def test_province_staff_see_their_cities_programs_and_not_others(
    client, guangxi, guangdong, province_reviewer, nanning_reviewer
):
    liuzhou = create_from(guangxi_2024, code="liuzhou-test", region_code="4502")
    client.force_login(province_reviewer)
    body = client.get(reverse("programs:list")).content.decode()
    assert reverse("programs:detail", args=[guangxi.pk]) in body
    assert reverse("programs:detail", args=[liuzhou.pk]) in body
    assert reverse("programs:detail", args=[guangdong.pk]) not in body
    # Nanning's staff see the province's program, not Liuzhou's
    client.force_login(nanning_reviewer)
    body = client.get(reverse("programs:list")).content.decode()
    assert reverse("programs:detail", args=[guangxi.pk]) in body
    assert reverse("programs:detail", args=[liuzhou.pk]) not in body
    assert client.get(reverse("programs:detail", args=[liuzhou.pk])).status_code == 404


def test_menu_entries_lead_to_the_editor_and_the_ledger(client, liuzhou_reviewer, guangxi):
    importlib.import_module("smevoucher.programs.menu")
    importlib.import_module("smevoucher.vouchers.menu")
    client.force_login(liuzhou_reviewer)
    body = client.get(reverse("programs:list")).content.decode()
    assert "项目管理" in body
    assert f'href="{reverse("vouchers:list")}"' in body
    assert "服务券台账" in body


# --- reading the rules ----------------------------------------------------------------------


def test_program_list_shows_version_budget_and_what_is_left(client, guangxi, province_reviewer):
    client.force_login(province_reviewer)
    body = client.get(reverse("programs:list")).content.decode()
    assert "第1版" in body
    assert "127,200,000.00" in body  # 1.272亿 budget, all of it left
    assert "实施中" in body


def test_program_list_reads_in_a_fixed_number_of_queries(
    client, guangxi, province_reviewer, django_assert_num_queries
):
    client.force_login(province_reviewer)
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("programs:list"))
    for n in range(3):
        create_from(guangxi_2024, code=f"city-{n}", region_code=f"450{n + 1}")
    # four programs read in as many queries as one
    with django_assert_num_queries(len(one.captured_queries)):
        body = client.get(reverse("programs:list")).content.decode()
    assert body.count('href="/staff/programs/') >= 4


def test_program_page_shows_the_rules_in_chinese(client, guangxi, province_reviewer):
    client.force_login(province_reviewer)
    body = client.get(reverse("programs:detail", args=[guangxi.pk])).content.decode()
    # the tier table in 万元 with class names
    assert "30万元" in body
    assert "5万元" in body
    assert "专精特新“小巨人”企业" in body
    # voucher types with windows and rule text
    assert "融资担保专项券" in body
    assert "2024-09-13 — 2024-12-31" in body
    assert "不超过实际担保费的50%" in body
    assert "每年最高100万元" in body
    # caps, ratio, mode, provider cap, categories
    assert "300,000.00元" in body  # enterprise annual deduction cap
    assert "30%" in body
    assert "下单时使用（广西）" in body
    assert "5,000,000.00元" in body  # provider annual settlement cap
    assert "高阶检验检测验证" in body
    # the program's ledger accounts
    assert "已拨入预算" in body
    assert "127,200,000.00" in body
    assert "核对：各账户合计等于已拨入预算" in body


def test_batches_show_their_deadlines(client, guangdong, make_staff):
    staff = make_staff(region_code="44", roles=("reviewer",))
    client.force_login(staff)
    body = client.get(reverse("programs:detail", args=[guangdong.pk])).content.decode()
    assert "2024年第一批" in body
    assert "批次结束后30天内（2024-05-30前）" in body
    assert "下单后30天内" in body
    assert "服务机构单市收券占比上限" in body
    assert "10%" in body


# --- publishing a version -------------------------------------------------------------------


def test_publishing_through_the_form_makes_a_new_version_and_keeps_the_old(
    client, guangxi, province_admin
):
    client.force_login(province_admin)
    # when the admin raises the ratio to 35% and the budget to 1.3亿
    response = publish(
        client,
        guangxi,
        subsidy_ratio_percent="35",
        budget_yuan="130,000,000.00",
        note="提高补贴比例",
    )
    # then version 2 is in force, and version 1 stays as it was
    assert response.status_code == 302
    versions = {v.number: v for v in ProgramVersion.objects.filter(program=guangxi)}
    assert set(versions) == {1, 2}
    assert versions[1].rules["subsidy_ratio_bp"] == 3000
    assert versions[2].rules["subsidy_ratio_bp"] == 3500
    assert versions[2].rules["budget_fen"] == 130_000_000 * 100
    assert versions[2].created_by == province_admin
    assert versions[2].note == "提高补贴比例"
    # what the form did not touch is the same
    unchanged = {
        k: v for k, v in versions[1].rules.items() if k not in ("subsidy_ratio_bp", "budget_fen")
    }
    assert {k: versions[2].rules[k] for k in unchanged} == unchanged
    # and the page shows the history with what changed
    body = client.get(reverse("programs:detail", args=[guangxi.pk])).content.decode()
    assert "现行规则（第2版）" in body
    assert "提高补贴比例" in body
    assert "补贴比例</strong>：30% → 35%" in body
    assert "项目总预算</strong>：127,200,000.00元 → 130,000,000.00元" in body
    assert "自治区管理员" in body
    # the raised budget was funded
    assert "130,000,000.00" in body


def test_a_ratio_over_100_percent_is_refused_in_chinese_and_nothing_is_published(
    client, guangxi, province_admin
):
    client.force_login(province_admin)
    response = publish(client, guangxi, subsidy_ratio_percent="150")
    assert response.status_code == 400
    assert response.context["form"].errors["subsidy_ratio_percent"] == ["不能大于100%"]
    assert "不能大于100%" in response.content.decode()
    assert ProgramVersion.objects.filter(program=guangxi).count() == 1


@pytest.mark.parametrize(
    ("typed", "fen"),
    [("12345.67", 1_234_567), ("0.29", 29), ("1,234,567.89", 123_456_789), ("300000", 30 * WAN)],
)
def test_yuan_become_fen_exactly(client, guangxi, province_admin, typed, fen):
    client.force_login(province_admin)
    response = publish(client, guangxi, deduction_cap_yuan=typed)
    assert response.status_code == 302
    latest = ProgramVersion.objects.filter(program=guangxi).order_by("-number").first()
    assert latest.rules["enterprise_annual_deduction_cap_fen"] == fen


def test_a_third_decimal_place_is_refused(client, guangxi, province_admin):
    client.force_login(province_admin)
    response = publish(client, guangxi, per_order_cap_yuan="10.005")
    assert response.status_code == 400
    assert response.context["form"].errors["per_order_cap_yuan"] == ["金额最多精确到分（两位小数）"]
    assert ProgramVersion.objects.filter(program=guangxi).count() == 1


def test_an_empty_cap_means_no_cap(client, guangxi, province_admin):
    client.force_login(province_admin)
    assert publish(client, guangxi, deduction_cap_yuan="").status_code == 302
    latest = ProgramVersion.objects.filter(program=guangxi).order_by("-number").first()
    assert latest.rules["enterprise_annual_deduction_cap_fen"] is None


def test_a_budget_cut_below_what_was_funded_is_refused(client, guangxi, province_admin):
    client.force_login(province_admin)
    response = publish(client, guangxi, budget_yuan="1000.00")
    assert response.status_code == 400
    errors = response.context["form"].errors["budget_yuan"]
    assert "预算不能低于已拨入的127,200,000.00元" in errors[0]
    assert ProgramVersion.objects.filter(program=guangxi).count() == 1


def test_a_revision_note_is_required(client, guangxi, province_admin):
    client.force_login(province_admin)
    response = publish(client, guangxi, note="")
    assert response.status_code == 400
    assert response.context["form"].errors["note"] == ["请填写修订说明"]
    assert ProgramVersion.objects.filter(program=guangxi).count() == 1


def test_list_rules_are_edited_as_json_with_chinese_errors(client, guangxi, province_admin):
    client.force_login(province_admin)
    # broken JSON
    response = publish(client, guangxi, tiers_json='[{"key": "t5",]')
    assert response.status_code == 400
    assert "JSON格式不正确（第1行" in response.context["form"].errors["tiers_json"][0]
    # a voucher type whose window ends before it starts
    types = copy.deepcopy(guangxi_2024.RULES["voucher_types"])
    types[1]["valid_until"] = "2024-01-01"
    response = publish(client, guangxi, voucher_types_json=json.dumps(types, ensure_ascii=False))
    assert response.status_code == 400
    assert response.context["form"].errors["voucher_types_json"] == [
        "券种第2项：有效期止早于有效期起"
    ]
    # a tier amount that is not an integer of fen
    tiers = copy.deepcopy(guangxi_2024.RULES["tiers"])
    tiers[0]["amount_fen"] = 50000.5
    response = publish(client, guangxi, tiers_json=json.dumps(tiers, ensure_ascii=False))
    assert response.status_code == 400
    assert (
        response.context["form"]
        .errors["tiers_json"][0]
        .startswith("企业档位第1项·年度额度：应为整数")
    )
    assert ProgramVersion.objects.filter(program=guangxi).count() == 1


def test_a_tier_amount_changed_in_json_is_published_and_shown_in_the_diff(
    client, guangxi, province_admin
):
    client.force_login(province_admin)
    tiers = copy.deepcopy(guangxi_2024.RULES["tiers"])
    tiers[3]["amount_fen"] = 35 * WAN
    response = publish(client, guangxi, tiers_json=json.dumps(tiers, ensure_ascii=False))
    assert response.status_code == 302
    body = client.get(reverse("programs:detail", args=[guangxi.pk])).content.decode()
    assert "35万元" in body
    assert "·年度额度</strong>：300,000.00元 → 350,000.00元" in body


def test_a_stale_editor_publishes_nothing(client, guangxi, province_admin):
    client.force_login(province_admin)
    stale = editor_data(client, guangxi, subsidy_ratio_percent="40")
    # another admin publishes meanwhile
    program_version_publish(
        actor=province_admin, program_id=guangxi.pk, rules=guangxi_2024.RULES, note="他人修订"
    )
    response = client.post(reverse("programs:publish", args=[guangxi.pk]), stale)
    assert response.status_code == 400
    assert "规则已更新为第2版" in response.content.decode()
    assert ProgramVersion.objects.filter(program=guangxi).count() == 2


def test_an_editor_without_its_base_version_says_so(client, guangxi, province_admin):
    client.force_login(province_admin)
    response = publish(client, guangxi, base_version="")
    assert response.status_code == 400
    assert "页面已过期，请刷新后重新编辑" in response.content.decode()
    assert ProgramVersion.objects.filter(program=guangxi).count() == 1


def test_a_future_version_waits_and_the_current_one_stays_in_force(client, guangxi, province_admin):
    client.force_login(province_admin)
    later = timezone.localtime() + dt.timedelta(days=10)
    response = publish(
        client,
        guangxi,
        subsidy_ratio_percent="40",
        effective_from=later.strftime("%Y-%m-%dT%H:%M"),
    )
    assert response.status_code == 302
    body = client.get(reverse("programs:detail", args=[guangxi.pk])).content.decode()
    assert "现行规则（第1版）" in body
    assert "待生效" in body
    # a time already past is refused
    response = publish(client, guangxi, effective_from="2020-01-01T00:00")
    assert response.status_code == 400
    assert response.context["form"].errors["effective_from"] == ["新版本不能早于当前时间生效"]


# --- the difference between versions ---------------------------------------------------------


def test_the_diff_lists_each_changed_field_with_old_and_new_values():
    old = copy.deepcopy(guangxi_2024.RULES)
    new = copy.deepcopy(guangxi_2024.RULES)
    new["subsidy_ratio_bp"] = 2500
    new["voucher_mode"] = "per_order_review"
    new["tiers"][0]["amount_fen"] = 6 * WAN
    new["categories"] = [*new["categories"], "知识产权"]
    new["voucher_types"] = [t for t in new["voucher_types"] if t["key"] != "leasing"]  # one removed
    new["batches"] = [
        {"key": "b1", "name": "第一批", "issue_from": "2024-09-13", "issue_until": "2024-10-31"}
    ]
    changes = {c.path: c for c in rules_changes(old, new)}
    assert changes["subsidy_ratio_bp"].old == "30%"
    assert changes["subsidy_ratio_bp"].new == "25%"
    assert changes["voucher_mode"].new == "按订单申请、审核后使用（柳州）"
    assert changes["tiers.t5.amount_fen"].label == "企业档位「一般规模以上制造业企业」·年度额度"
    assert (changes["tiers.t5.amount_fen"].old, changes["tiers.t5.amount_fen"].new) == (
        "50,000.00元",
        "60,000.00元",
    )
    assert changes["categories"].new.endswith("其他服务、知识产权")
    assert changes["voucher_types.leasing"].new == "（已删除）"
    assert changes["batches.b1"].new.startswith("新增：")
    assert len(changes) == 6
    assert rules_changes(old, copy.deepcopy(old)) == []
    assert rules_changes(None, old) == []


def test_rule_problems_name_the_place_in_chinese():
    rules = copy.deepcopy(guangxi_2024.RULES)
    rules["subsidy_ratio_bp"] = 15000
    rules["voucher_mode"] = "later"
    rules["default_tier"] = "t99"
    messages = {str(p) for p in rules_problems(rules)}
    assert "补贴比例：不能大于100%" in messages
    assert (
        "用券方式：取值无效，可选：at_order（下单时使用（广西））、per_order_review（按订单申请、审核后使用（柳州））"
        in messages
    )
    rules = copy.deepcopy(guangxi_2024.RULES)
    rules["default_tier"] = "t99"
    assert [str(p) for p in rules_problems(rules)] == ["默认档位：默认档位不是已设置的档位代码"]
    assert rules_problems(guangxi_2024.RULES) == []


# --- a new program ----------------------------------------------------------------------------


def test_a_sysadmin_creates_a_program_from_a_preset(client, province_admin):
    client.force_login(province_admin)
    form = client.get(reverse("programs:new")).context["form"]
    assert "preset:liuzhou-2024" in dict(form.fields["source"].choices)
    assert "44" not in dict(form.fields["region_code"].choices)  # only its own region
    response = client.post(
        reverse("programs:new"),
        {
            "code": "liuzhou-2025",
            "name": "柳州市中小企业服务券（2025年度）",
            "policy_title": "",
            "region_code": "4502",
            "year": "2025",
            "status": "draft",
            "source": "preset:liuzhou-2024",
        },
    )
    program = Program.objects.get(code="liuzhou-2025")
    assert response.status_code == 302
    assert response["Location"] == reverse("programs:detail", args=[program.pk])
    assert program.region_code == "4502"
    assert program.status == "draft"
    version = program.versions.get()
    assert version.rules["voucher_mode"] == "per_order_review"
    assert version.created_by == province_admin


def test_a_new_program_may_copy_another_programs_rules(client, guangxi, province_admin):
    client.force_login(province_admin)
    program_version_publish(
        actor=province_admin,
        program_id=guangxi.pk,
        rules={**guangxi_2024.RULES, "subsidy_ratio_bp": 4000},
        note="提高比例",
    )
    data = {
        "code": "guangxi-2025",
        "name": "广西2025",
        "region_code": "45",
        "year": "2025",
        "status": "active",
        "source": f"program:{guangxi.pk}",
    }
    assert client.post(reverse("programs:new"), data).status_code == 302
    copy_rules = Program.objects.get(code="guangxi-2025").versions.get().rules
    assert copy_rules["subsidy_ratio_bp"] == 4000
    # the same code again is refused on its field
    response = client.post(reverse("programs:new"), data)
    assert response.status_code == 400
    assert response.context["form"].errors["code"] == ["项目代码已存在"]


def test_a_city_admin_creates_only_in_its_city(client, liuzhou_admin):
    client.force_login(liuzhou_admin)
    response = client.post(
        reverse("programs:new"),
        {
            "code": "x-2025",
            "name": "x",
            "region_code": "45",
            "year": "2025",
            "status": "draft",
            "source": "preset:guangxi-2024",
        },
    )
    assert response.status_code == 400
    assert response.context["form"].errors["region_code"] == ["只能选择本辖区或其下辖地市"]
    assert not Program.objects.filter(code="x-2025").exists()


def test_decimal_inputs_never_pass_through_float():
    from smevoucher.programs.forms import PercentField, YuanField, to_hundredths

    assert to_hundredths(YuanField().clean("0.29")) == 29
    assert to_hundredths(YuanField().clean("12345.67元")) == 1_234_567
    assert to_hundredths(PercentField().clean("12.5%")) == 1250
    assert to_hundredths(Decimal("99999999999.99")) == 9_999_999_999_999
