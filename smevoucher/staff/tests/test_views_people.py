"""Staff management pages (人员管理): for system admins only, within their region."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from smevoucher.accounts.models import User
from smevoucher.staff.permissions import staff_roles

pytestmark = pytest.mark.django_db

PASSWORD = "Guilin2026ok"


@pytest.fixture
def province_admin(make_staff):
    return make_staff(
        region_code="45", roles=("sysadmin",), phone="13800000001", display_name="自治区管理员"
    )


@pytest.fixture
def liuzhou_admin(make_staff):
    return make_staff(
        region_code="4502", roles=("sysadmin",), phone="13800000002", display_name="柳州管理员"
    )


def region_options(body: str) -> set[str]:
    select = re.search(r'<select name="region_code".*?</select>', body, re.S).group(0)
    return set(re.findall(r'<option value="(\d+)"', select))


def test_who_may_open_staff_management(client, enterprise_user, liuzhou_reviewer, liuzhou_admin):
    url = reverse("staff:people")
    assert client.get(url).status_code == 302
    for user in (enterprise_user, liuzhou_reviewer):
        client.force_login(user)
        assert client.get(url).status_code == 403
        assert client.get(reverse("staff:people_create")).status_code == 403
        assert (
            client.post(reverse("staff:people_create"), {"phone": "13800004503"}).status_code == 403
        )
    client.force_login(liuzhou_admin)
    assert client.get(url).status_code == 200


def test_menu_entries_for_admins_only(client, liuzhou_reviewer, liuzhou_admin):
    client.force_login(liuzhou_reviewer)
    body = client.get(reverse("reviews:workbench")).content.decode()
    assert "人员管理" not in body
    assert "工作日设置" not in body
    client.force_login(liuzhou_admin)
    body = client.get(reverse("staff:people")).content.decode()
    assert "人员管理" in body
    assert "工作日设置" in body


def test_province_admin_lists_its_cities_staff_with_masked_phones(
    client, province_admin, liuzhou_reviewer, nanning_reviewer, make_staff
):
    make_staff(region_code="11", phone="13800000011", display_name="北京市审核员")
    client.force_login(province_admin)
    body = client.get(reverse("staff:people")).content.decode()
    assert "柳州市服务中心审核员" in body
    assert "南宁市服务中心审核员" in body
    assert "北京市审核员" not in body
    assert "138****4502" in body
    assert liuzhou_reviewer.phone not in body


def test_city_admin_sees_only_its_city(client, liuzhou_admin, liuzhou_reviewer, nanning_reviewer):
    client.force_login(liuzhou_admin)
    body = client.get(reverse("staff:people")).content.decode()
    assert "柳州市服务中心审核员" in body
    assert "南宁市服务中心审核员" not in body
    assert client.get(reverse("staff:person", args=[nanning_reviewer.pk])).status_code == 404
    response = client.post(
        reverse("staff:person_set_active", args=[nanning_reviewer.pk]),
        {"active": "0", "reason": "越权"},
    )
    assert response.status_code == 404
    assert User.objects.get(pk=nanning_reviewer.pk).is_active


def test_list_filters_by_role_and_name(client, province_admin, liuzhou_reviewer, make_staff):
    make_staff(region_code="4501", roles=("finance",), display_name="南宁市财务人员")
    client.force_login(province_admin)
    body = client.get(reverse("staff:people"), {"role": "finance"}).content.decode()
    assert "南宁市财务人员" in body
    assert "柳州市服务中心审核员" not in body
    body = client.get(reverse("staff:people"), {"q": "柳州"}).content.decode()
    assert "柳州市服务中心审核员" in body
    assert "南宁市财务人员" not in body


def test_admin_creates_a_staff_member_through_the_page(client, province_admin):
    client.force_login(province_admin)
    url = reverse("staff:people_create")
    # the region select offers the province and its cities only
    options = region_options(client.get(url).content.decode())
    assert {"45", "4501", "4502"} <= options
    assert "11" not in options
    assert "450202" not in options
    response = client.post(
        url,
        {
            "phone": "13800004503",
            "display_name": "桂林市服务中心审核员",
            "title": "桂林市中小企业服务中心",
            "region_code": "4503",
            "roles": ["reviewer", "approver"],
            "password": PASSWORD,
            "password_confirm": PASSWORD,
        },
    )
    user = User.objects.get(phone="13800004503")
    assert response.status_code == 302
    assert response["Location"] == reverse("staff:person", args=[user.pk])
    assert staff_roles(user) == {"reviewer", "approver"}
    assert user.staff_profile.region_id == "4503"
    body = client.get(response["Location"]).content.decode()
    assert "已创建工作人员账号" in body
    assert "13800004503" not in body


def test_city_admin_cannot_create_staff_outside_its_city(client, liuzhou_admin):
    client.force_login(liuzhou_admin)
    url = reverse("staff:people_create")
    assert region_options(client.get(url).content.decode()) == {"4502"}
    response = client.post(
        url,
        {
            "phone": "13800004503",
            "display_name": "桂林市服务中心审核员",
            "region_code": "4503",
            "roles": ["reviewer"],
            "password": PASSWORD,
            "password_confirm": PASSWORD,
        },
    )
    assert response.status_code == 200
    assert "只能选择本辖区或其下辖地市" in response.content.decode()
    assert not User.objects.filter(phone="13800004503").exists()


def test_weak_password_is_a_form_error(client, province_admin):
    client.force_login(province_admin)
    response = client.post(
        reverse("staff:people_create"),
        {
            "phone": "13800004503",
            "display_name": "桂林市服务中心审核员",
            "region_code": "4503",
            "roles": ["reviewer"],
            "password": "12345678",
            "password_confirm": "12345678",
        },
    )
    assert response.status_code == 200
    assert "密码" in response.content.decode()
    assert not User.objects.filter(phone="13800004503").exists()


def test_admin_changes_roles_through_the_page(client, province_admin, liuzhou_reviewer):
    client.force_login(province_admin)
    url = reverse("staff:person", args=[liuzhou_reviewer.pk])
    response = client.post(
        url, {"region_code": "4502", "roles": ["reviewer", "auditor"], "title": "柳州市服务中心"}
    )
    assert response.status_code == 302
    user = User.objects.get(pk=liuzhou_reviewer.pk)
    assert staff_roles(user) == {"reviewer", "auditor"}
    assert user.staff_profile.title == "柳州市服务中心"


def test_deactivation_through_the_page_ends_the_persons_sessions(
    client, province_admin, liuzhou_reviewer
):
    # given the reviewer working in its own browser
    reviewer_browser = Client()
    reviewer_browser.force_login(liuzhou_reviewer)
    assert reviewer_browser.get(reverse("reviews:workbench")).status_code == 200
    # when the admin deactivates the account with a reason
    client.force_login(province_admin)
    response = client.post(
        reverse("staff:person_set_active", args=[liuzhou_reviewer.pk]),
        {"active": "0", "reason": "调离岗位"},
    )
    assert response.status_code == 302
    # then the reviewer is logged out at once
    response = reviewer_browser.get(reverse("reviews:workbench"))
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]
    # and the admin's page says so and offers to switch it on again
    body = client.get(reverse("staff:person", args=[liuzhou_reviewer.pk])).content.decode()
    assert "已停用" in body
    assert "启用账号" in body


def test_deactivation_needs_a_reason(client, province_admin, liuzhou_reviewer):
    client.force_login(province_admin)
    response = client.post(
        reverse("staff:person_set_active", args=[liuzhou_reviewer.pk]), {"active": "0"}
    )
    assert response.status_code == 400
    assert "请填写原因" in response.content.decode()
    assert User.objects.get(pk=liuzhou_reviewer.pk).is_active


def test_admin_resets_an_authenticator_through_the_page(client, province_admin, liuzhou_reviewer):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    TOTPDevice.objects.create(user=liuzhou_reviewer, name="app", confirmed=True)
    client.force_login(province_admin)
    page = client.get(reverse("staff:person", args=[liuzhou_reviewer.pk])).content.decode()
    assert "已绑定身份验证器" in page
    # the card is on the page once, and the page title is plain text
    assert page.count('id="otp"') == 1
    title = re.search(r"<title>(.*?)</title>", page, flags=re.S).group(1)
    assert "<" not in title
    url = reverse("staff:person_otp_reset", args=[liuzhou_reviewer.pk])
    # a reset needs a reason
    response = client.post(url, {"otp-reason": ""})
    assert response.status_code == 400
    assert "请填写原因" in response.content.decode()
    assert TOTPDevice.objects.filter(user=liuzhou_reviewer).exists()
    # with one the device goes, and the page says the member binds anew
    response = client.post(url, {"otp-reason": "手机遗失"}, follow=True)
    body = response.content.decode()
    assert "动态口令已重置" in body
    assert "尚未绑定身份验证器" in body
    assert not TOTPDevice.objects.filter(user=liuzhou_reviewer).exists()
