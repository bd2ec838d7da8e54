"""Staff accounts: created, changed and switched off by a system admin of the region only."""

import pytest
from django.contrib.auth import authenticate
from django.contrib.sessions.models import Session
from django.test import Client

from smevoucher.accounts.models import ApiToken, User
from smevoucher.accounts.services import api_token_create
from smevoucher.audit.models import AuditRecord
from smevoucher.core.errors import DomainError, NotFound
from smevoucher.staff.models import StaffProfile
from smevoucher.staff.permissions import staff_roles
from smevoucher.staff.selectors import staff_list
from smevoucher.staff.services import staff_create, staff_set_active, staff_update

pytestmark = pytest.mark.django_db

PASSWORD = "Guilin2026ok"


@pytest.fixture
def province_admin(make_staff):
    return make_staff(region_code="45", roles=("sysadmin",), phone="13800000001")


@pytest.fixture
def liuzhou_admin(make_staff):
    return make_staff(region_code="4502", roles=("sysadmin",), phone="13800000002")


@pytest.fixture
def can_log_in(rf):
    def check(phone: str, password: str) -> bool:
        return authenticate(rf.post("/accounts/login/"), phone=phone, password=password) is not None

    return check


def create(actor, **overrides):
    data = {
        "phone": "13800004503",
        "display_name": "桂林市服务中心审核员",
        "title": "桂林市中小企业服务中心",
        "region_code": "4503",
        "roles": ["reviewer"],
        "password": PASSWORD,
    }
    data.update(overrides)
    return staff_create(actor=actor, **data)


def test_province_admin_creates_a_city_reviewer_who_can_log_in(province_admin, can_log_in):
    # when the province's admin creates a Guilin reviewer
    user = create(province_admin, roles=["reviewer", "approver"])
    # then the account is staff, in Guilin, with both roles and the initial password
    user = User.objects.get(pk=user.pk)
    assert user.is_staff
    assert not user.is_superuser
    assert user.staff_profile.region_id == "4503"
    assert user.staff_profile.title == "桂林市中小企业服务中心"
    assert staff_roles(user) == {"reviewer", "approver"}
    assert user.password_changed_at is not None
    assert can_log_in("13800004503", PASSWORD)
    # and exactly one audit record tells who did it, without the phone
    record = AuditRecord.objects.get(action="staff.created")
    assert record.actor == province_admin
    assert record.to_state == "approver,reviewer@4503"
    assert "13800004503" not in str(record.data)


def test_city_admin_cannot_create_staff_outside_its_city(liuzhou_admin):
    # another city, and the province above it, are both outside Liuzhou
    for code in ("4503", "45"):
        with pytest.raises(DomainError) as refused:
            create(liuzhou_admin, region_code=code)
        assert refused.value.code == "staff.region_outside"
        assert refused.value.field == "region_code"
    assert not User.objects.filter(phone="13800004503").exists()
    # its own city is fine
    assert create(liuzhou_admin, region_code="4502").staff_profile.region_id == "4502"


def test_staff_belong_to_a_province_or_a_city_not_a_district(province_admin):
    with pytest.raises(DomainError, match="请选择省或市"):
        create(province_admin, region_code="450202")
    with pytest.raises(DomainError, match="请选择省或市"):
        create(province_admin, region_code="999999")


def test_only_a_system_admin_creates_staff(liuzhou_reviewer, enterprise_user):
    for actor in (liuzhou_reviewer, enterprise_user):
        with pytest.raises(DomainError) as refused:
            create(actor, region_code="4502")
        assert refused.value.status == 403
    assert not User.objects.filter(phone="13800004503").exists()
    assert not AuditRecord.objects.filter(action="staff.created").exists()


def test_superuser_without_a_region_manages_every_region(make_user):
    root = make_user(phone="13800000009", is_staff=True, is_superuser=True)
    assert create(root, region_code="11").staff_profile.region_id == "11"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"password": "12345678"}, "密码"),
        ({"password": "abc1"}, "至少需要8个字符"),
        ({"roles": []}, "请至少选择一个角色"),
        ({"roles": ["boss"]}, "角色无效"),
        ({"display_name": " "}, "请填写姓名"),
        ({"phone": "1380000"}, "手机号"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message(province_admin, overrides, message):
    with pytest.raises(DomainError, match=message):
        create(province_admin, **overrides)
    assert not User.objects.filter(phone="13800004503").exists()


def test_a_phone_already_registered_is_refused(province_admin, enterprise_user):
    with pytest.raises(DomainError) as refused:
        create(province_admin, phone=enterprise_user.phone)
    assert refused.value.code == "phone.taken"


def test_admin_changes_roles_and_region(province_admin):
    user = create(province_admin)
    staff_update(
        actor=province_admin, user_id=user.pk, region_code="45", roles=["approver"], title="自治区"
    )
    user = User.objects.get(pk=user.pk)
    assert staff_roles(user) == {"approver"}
    assert user.staff_profile.region_id == "45"
    record = AuditRecord.objects.get(action="staff.updated")
    assert (record.from_state, record.to_state) == ("reviewer@4503", "approver@45")


def test_saving_without_a_change_records_nothing(province_admin):
    user = create(province_admin)
    staff_update(
        actor=province_admin,
        user_id=user.pk,
        region_code="4503",
        roles=["reviewer"],
        title="桂林市中小企业服务中心",
    )
    assert not AuditRecord.objects.filter(action="staff.updated").exists()


def test_city_admin_cannot_see_or_change_another_citys_staff(province_admin, liuzhou_admin):
    guilin = create(province_admin)
    assert guilin not in staff_list(actor=liuzhou_admin)
    with pytest.raises(NotFound):
        staff_update(
            actor=liuzhou_admin, user_id=guilin.pk, region_code="4502", roles=["reviewer"], title=""
        )
    with pytest.raises(NotFound):
        staff_set_active(actor=liuzhou_admin, user_id=guilin.pk, active=False, reason="离职")
    assert StaffProfile.objects.get(user=guilin).region_id == "4503"


def test_province_admin_lists_its_cities_staff(
    province_admin, liuzhou_reviewer, nanning_reviewer, make_staff
):
    beijing = make_staff(region_code="11", phone="13800000011")
    listed = set(staff_list(actor=province_admin))
    assert {liuzhou_reviewer, nanning_reviewer, province_admin} <= listed
    assert beijing not in listed


def test_an_admin_keeps_its_own_admin_role(province_admin):
    with pytest.raises(DomainError, match="不能取消自己的系统管理员角色"):
        staff_update(
            actor=province_admin,
            user_id=province_admin.pk,
            region_code="45",
            roles=["reviewer"],
            title="",
        )
    assert staff_roles(User.objects.get(pk=province_admin.pk)) == {"sysadmin"}


def test_deactivation_ends_sessions_and_revokes_tokens(
    province_admin, liuzhou_reviewer, can_log_in
):
    # given the reviewer logged in on two browsers and holding an API token
    browsers = [Client(), Client()]
    for browser in browsers:
        browser.force_login(liuzhou_reviewer)
    other = Client()
    other.force_login(province_admin)
    token, _key = api_token_create(actor=liuzhou_reviewer)
    assert Session.objects.count() == 3
    # when the admin deactivates the reviewer
    staff_set_active(
        actor=province_admin, user_id=liuzhou_reviewer.pk, active=False, reason="调离岗位"
    )
    # then the reviewer's sessions are gone, the admin's stays, and the token is revoked
    assert Session.objects.count() == 1
    assert Session.objects.get().get_decoded()["_auth_user_id"] == str(province_admin.pk)
    token.refresh_from_db()
    assert token.revoked_at is not None
    user = User.objects.get(pk=liuzhou_reviewer.pk)
    assert not user.is_active
    assert not can_log_in(user.phone, "Voucher2026")
    record = AuditRecord.objects.get(action="staff.deactivated")
    assert record.reason == "调离岗位"
    assert record.data == {"sessions_ended": 2, "tokens_revoked": 1}


def test_reactivation_lets_the_person_log_in_again(province_admin, liuzhou_reviewer, can_log_in):
    staff_set_active(actor=province_admin, user_id=liuzhou_reviewer.pk, active=False, reason="休假")
    staff_set_active(actor=province_admin, user_id=liuzhou_reviewer.pk, active=True, reason="返岗")
    assert can_log_in(liuzhou_reviewer.phone, "Voucher2026")
    assert not ApiToken.objects.filter(user=liuzhou_reviewer, revoked_at__isnull=True).exists()


def test_set_active_refuses_self_repeats_and_a_missing_reason(province_admin, liuzhou_reviewer):
    with pytest.raises(DomainError, match="不能停用或启用自己的账号"):
        staff_set_active(actor=province_admin, user_id=province_admin.pk, active=False, reason="x")
    with pytest.raises(DomainError, match="已是启用状态"):
        staff_set_active(actor=province_admin, user_id=liuzhou_reviewer.pk, active=True, reason="x")
    with pytest.raises(DomainError, match="请填写原因"):
        staff_set_active(actor=province_admin, user_id=liuzhou_reviewer.pk, active=False, reason="")
    assert User.objects.get(pk=liuzhou_reviewer.pk).is_active


def test_enterprise_users_are_not_staff_to_manage(province_admin, enterprise_user):
    with pytest.raises(NotFound):
        staff_set_active(actor=province_admin, user_id=enterprise_user.pk, active=False, reason="x")


def test_an_admin_resets_a_members_authenticator(province_admin, liuzhou_reviewer):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from smevoucher.staff.services import staff_otp_reset

    # given a reviewer with a bound authenticator, logged in
    TOTPDevice.objects.create(user=liuzhou_reviewer, name="app", confirmed=True)
    browser = Client()
    browser.force_login(liuzhou_reviewer)
    # when the admin resets it (the phone was lost)
    staff_otp_reset(actor=province_admin, user_id=liuzhou_reviewer.pk, reason="手机遗失")
    # then the device is gone, the reviewer's sessions ended, and the reset is on record
    assert not TOTPDevice.objects.filter(user=liuzhou_reviewer).exists()
    assert not Session.objects.filter(session_key=browser.cookies["sessionid"].value).exists()
    record = AuditRecord.objects.get(action="staff.otp_reset")
    assert (record.reason, record.data) == ("手机遗失", {"sessions_ended": 1})
    # a second reset has nothing to reset; nobody resets their own
    with pytest.raises(DomainError, match="尚未绑定"):
        staff_otp_reset(actor=province_admin, user_id=liuzhou_reviewer.pk, reason="再次")
    with pytest.raises(DomainError, match="自己"):
        staff_otp_reset(actor=province_admin, user_id=province_admin.pk, reason="自己")
