"""The 企业信息认证 page, driven through Django's test client."""

import re

import pytest
from django.urls import reverse

from conftest import VALID_ID, make_uscc
from smevoucher.notifications.models import SmsOutbox
from smevoucher.orgs.choices import CertStatus
from smevoucher.orgs.models import Organization
from smevoucher.orgs.services import org_save, org_submit
from smevoucher.reviews.selectors import review_latest_for_subject
from smevoucher.reviews.services import review_transition

pytestmark = pytest.mark.django_db

URL = reverse("orgs:certification")
MASKED_ID = "110105********002X"


def form_data(**overrides) -> dict:
    data = {
        "kind": "enterprise",
        "name": "柳州市测试机械有限公司",
        "uscc": make_uscc(1),
        "province": "45",
        "city": "4502",
        "district": "450202",
        "address": "柳州市城中区测试路1号",
        "legal_rep_name": "张三",
        "legal_rep_id_type": "resident_id",
        "legal_rep_id_number": VALID_ID,
    }
    data.update(overrides)
    return data


def service_data(**overrides) -> dict:
    data = form_data()
    for key in ("province", "city", "district"):
        data.pop(key)
    data["region_code"] = "450202"
    data.update(overrides)
    return data


def last_code(phone: str) -> str:
    text = SmsOutbox.objects.filter(phone=phone).order_by("-pk").first().text
    return re.search(r"\d{6}", text).group(0)


def test_enterprise_certifies_through_the_page(
    client, enterprise_user, settings, django_capture_on_commit_callbacks
):
    settings.SMS_RESEND_SECONDS = 0
    client.force_login(enterprise_user)
    # given the empty form, with the name the user registered with
    page = client.get(URL).content.decode()
    assert "未提交" in page
    assert 'value="柳州市测试机械有限公司"' in page
    assert reverse("portal:agreement") in page
    assert reverse("portal:privacy") in page
    # when the enterprise saves its details
    response = client.post(URL, {**form_data(), "action": "save"})
    assert response.status_code == 302
    org = Organization.objects.get()
    assert (org.status, org.region_code, org.owner) == (CertStatus.DRAFT, "450202", enterprise_user)
    # and asks for the code, which goes to its own phone
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(URL, {**form_data(), "action": "send_code"})
    assert response.status_code == 200
    assert "验证码已发送至135****1111" in response.content.decode()
    # and submits with the code and the agreement, leaving the saved ID number as it is
    response = client.post(
        URL,
        {
            **form_data(legal_rep_id_number=""),
            "action": "submit",
            "sms_code": last_code(enterprise_user.phone),
            "agreed": "on",
        },
    )
    # then the organization is submitted and the page shows it read-only, masked
    assert response.status_code == 302
    org.refresh_from_db()
    assert org.status == CertStatus.SUBMITTED
    assert org.legal_rep_id_number == VALID_ID
    page = client.get(URL).content.decode()
    assert "已提交" in page
    assert MASKED_ID in page
    assert VALID_ID not in page
    assert 'name="action" value="submit"' not in page
    assert "审核记录" in page
    assert "<td>提交</td>" in page


def test_saved_form_never_shows_the_full_id_number(client, enterprise_user):
    # given a saved draft
    org_save(actor=enterprise_user, **service_data())
    client.force_login(enterprise_user)
    # when the enterprise opens the form again
    page = client.get(URL).content.decode()
    # then its details are there but the ID number only masked, in the help text
    assert make_uscc(1) in page
    assert "张三" in page
    assert MASKED_ID in page
    assert VALID_ID not in page


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("uscc", "911100001000013251", "统一社会信用代码校验位不正确"),
        ("uscc", "91110000", "统一社会信用代码应为18位"),
        ("legal_rep_id_number", "110105194912310021", "居民身份证号码校验位不正确"),
        ("legal_rep_id_number", "110105194913310025", "出生日期"),
    ],
)
def test_bad_numbers_are_shown_on_their_field_and_nothing_is_saved(
    client, enterprise_user, field, value, message
):
    client.force_login(enterprise_user)
    response = client.post(URL, {**form_data(**{field: value}), "action": "save"})
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert any(message in error for error in errors[field]), errors
    assert message in response.content.decode()
    assert not Organization.objects.exists()


def test_submit_needs_the_code_and_the_agreement(client, enterprise_user):
    client.force_login(enterprise_user)
    response = client.post(URL, {**form_data(), "action": "submit"})
    errors = response.context["form"].errors
    assert "请输入短信验证码" in errors["sms_code"]
    assert "请阅读并同意平台用户服务协议和隐私政策" in errors["agreed"]
    assert not Organization.objects.exists()


def test_wrong_code_is_refused_on_the_code_field(client, enterprise_user, send_certify_code):
    client.force_login(enterprise_user)
    code = send_certify_code(enterprise_user)
    wrong = "000000" if code != "000000" else "111111"
    response = client.post(
        URL, {**form_data(), "action": "submit", "sms_code": wrong, "agreed": "on"}
    )
    assert response.status_code == 200
    assert "验证码错误" in response.context["form"].errors["sms_code"]
    # the details were saved, but nothing was submitted
    assert Organization.objects.get().status == CertStatus.DRAFT


def test_second_claim_of_a_uscc_says_how_to_contact_the_platform(
    client, enterprise_user, other_enterprise_user
):
    org_save(actor=enterprise_user, **service_data())
    client.force_login(other_enterprise_user)
    response = client.post(URL, {**form_data(name="另一家公司"), "action": "save"})
    assert any("联系" in error for error in response.context["form"].errors["uscc"])
    assert Organization.objects.count() == 1


def test_returned_reason_is_shown_and_the_enterprise_resubmits(
    client, enterprise_user, liuzhou_reviewer, send_certify_code
):
    # given a submitted certification that the city reviewer returned with a reason
    org = org_save(actor=enterprise_user, **service_data())
    org_submit(
        actor=enterprise_user,
        org_id=org.pk,
        sms_code=send_certify_code(enterprise_user),
        agreed=True,
    )
    review = review_latest_for_subject(subject=org)
    review_transition(
        actor=liuzhou_reviewer,
        review_id=review.pk,
        action="return",
        reason="法定代表人姓名与执照不符",
    )
    client.force_login(enterprise_user)
    # when the enterprise opens the page
    page = client.get(URL).content.decode()
    # then it sees the state, the reason at the top, who returned it, and the form again
    assert "已退回" in page
    top = page.split("decision-reason", 1)[1].split("</div>", 1)[0]
    assert "法定代表人姓名与执照不符" in top
    assert "柳州市服务中心审核员" in page
    assert "退回修改" in page
    assert 'name="action" value="submit"' in page
    # when it corrects and resubmits
    response = client.post(
        URL,
        {
            **form_data(legal_rep_name="张三丰"),
            "action": "submit",
            "sms_code": send_certify_code(enterprise_user),
            "agreed": "on",
        },
    )
    assert response.status_code == 302
    org.refresh_from_db()
    assert (org.status, org.legal_rep_name) == (CertStatus.SUBMITTED, "张三丰")
    page = client.get(URL).content.decode()
    assert "重新提交" in page
    # and after approval the page offers the change request
    review_transition(actor=liuzhou_reviewer, review_id=review.pk, action="approve")
    page = client.get(URL).content.decode()
    assert "已通过" in page
    assert reverse("orgs:changes") in page
    assert VALID_ID not in page


def test_rejected_reason_is_shown(client, enterprise_user, liuzhou_reviewer, send_certify_code):
    org = org_save(actor=enterprise_user, **service_data())
    org_submit(
        actor=enterprise_user,
        org_id=org.pk,
        sms_code=send_certify_code(enterprise_user),
        agreed=True,
    )
    review = review_latest_for_subject(subject=org)
    review_transition(
        actor=liuzhou_reviewer, review_id=review.pk, action="reject", reason="营业执照已注销"
    )
    client.force_login(enterprise_user)
    page = client.get(URL).content.decode()
    assert "已驳回" in page
    assert "驳回原因" in page
    assert "营业执照已注销" in page


def test_submitted_certification_can_be_withdrawn(client, enterprise_user, send_certify_code):
    org = org_save(actor=enterprise_user, **service_data())
    org_submit(
        actor=enterprise_user,
        org_id=org.pk,
        sms_code=send_certify_code(enterprise_user),
        agreed=True,
    )
    client.force_login(enterprise_user)
    assert 'value="withdraw"' in client.get(URL).content.decode()
    response = client.post(URL, {"action": "withdraw"})
    assert response.status_code == 302
    org.refresh_from_db()
    assert org.status == CertStatus.DRAFT


def test_submitted_certification_cannot_be_changed_by_a_post(
    client, enterprise_user, send_certify_code
):
    org = org_save(actor=enterprise_user, **service_data())
    org_submit(
        actor=enterprise_user,
        org_id=org.pk,
        sms_code=send_certify_code(enterprise_user),
        agreed=True,
    )
    client.force_login(enterprise_user)
    client.post(URL, {**form_data(name="改名公司"), "action": "save"})
    org.refresh_from_db()
    assert org.name == "柳州市测试机械有限公司"


def test_another_users_org_is_never_shown(client, enterprise_user, other_enterprise_user):
    org_save(actor=enterprise_user, **service_data())
    client.force_login(other_enterprise_user)
    for url_name in ("orgs:certification", "orgs:bank", "orgs:agent", "orgs:changes"):
        page = client.get(reverse(url_name)).content.decode()
        assert "柳州市测试机械有限公司" not in page, url_name
        assert make_uscc(1) not in page, url_name
    # the certification form starts from the other user's own name
    assert 'value="南宁市另一家企业有限公司"' in client.get(URL).content.decode()
    assert "去企业信息认证" in client.get(reverse("orgs:bank")).content.decode()


def test_pick_region_re_renders_the_lower_selects_keeping_the_input(client, enterprise_user):
    client.force_login(enterprise_user)
    # given a person without JavaScript who picked a province
    response = client.post(
        URL,
        {**form_data(city="", district="", name="桂林新公司"), "action": "pick_region"},
    )
    # then the city select lists that province's cities, the typed values stay, nothing saved
    page = response.content.decode()
    assert '<option value="4502">柳州市</option>' in page
    assert 'value="桂林新公司"' in page
    assert not Organization.objects.exists()
    # and after picking the city the districts follow
    response = client.post(URL, {**form_data(district=""), "action": "pick_region"})
    assert '<option value="450202">城中区</option>' in response.content.decode()


def test_a_stale_city_after_a_province_change_is_refused(client, enterprise_user):
    client.force_login(enterprise_user)
    response = client.post(URL, {**form_data(province="44"), "action": "save"})
    assert response.context["form"].errors["city"]
    assert not Organization.objects.exists()


def test_most_specific_region_is_saved(client, enterprise_user):
    client.force_login(enterprise_user)
    # a city without a district
    client.post(URL, {**form_data(district=""), "action": "save"})
    assert Organization.objects.get().region_code == "4502"
    # a municipality's district sits in the second select
    client.post(URL, {**form_data(province="11", city="110101", district=""), "action": "save"})
    assert Organization.objects.get().region_code == "110101"
    # a province alone is not enough
    response = client.post(URL, {**form_data(city="", district=""), "action": "save"})
    assert "请选择到市或区县" in response.context["form"].errors["city"]


def test_region_json_lists_children(client, enterprise_user):
    url = reverse("orgs:regions")
    # anonymous visitors are sent to log in
    assert client.get(url).status_code == 302
    client.force_login(enterprise_user)
    provinces = client.get(url).json()
    assert {"code": "45", "name": "广西壮族自治区"} in provinces
    assert {"code": "4502", "name": "柳州市"} in client.get(url, {"parent": "45"}).json()
    assert {"code": "450202", "name": "城中区"} in client.get(url, {"parent": "4502"}).json()
    assert client.get(url, {"parent": "x'; --"}).json() == []
    assert client.get(url, {"parent": "450202"}).json() == []


def test_page_loads_the_region_script_without_inline_script(client, enterprise_user):
    client.force_login(enterprise_user)
    page = client.get(URL).content.decode()
    assert re.search(r'<script src="[^"]*js/regions\.js" defer></script>', page)
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page)
    assert not re.search(r"\son[a-z]+=", page)


def test_center_menu_follows_the_organization(
    client, enterprise_user, liuzhou_reviewer, send_certify_code
):
    client.force_login(enterprise_user)
    page = client.get(URL).content.decode()
    assert reverse("orgs:certification") in page
    assert reverse("orgs:agent") not in page
    assert reverse("orgs:changes") not in page
    # once the organization is certified, its owner sees the agent and change entries
    org = org_save(actor=enterprise_user, **service_data())
    org_submit(
        actor=enterprise_user,
        org_id=org.pk,
        sms_code=send_certify_code(enterprise_user),
        agreed=True,
    )
    review_transition(
        actor=liuzhou_reviewer,
        review_id=review_latest_for_subject(subject=org).pk,
        action="approve",
    )
    page = client.get(reverse("portal:center")).content.decode()
    for url_name in ("orgs:certification", "orgs:agent", "orgs:bank", "orgs:changes"):
        assert reverse(url_name) in page, url_name


def test_certification_page_reads_a_fixed_number_of_queries(
    client, enterprise_user, liuzhou_reviewer, send_certify_code, django_assert_num_queries
):
    # given a certification with a few review events (submitted, returned, resubmitted)
    org = org_save(actor=enterprise_user, **service_data())
    org_submit(
        actor=enterprise_user,
        org_id=org.pk,
        sms_code=send_certify_code(enterprise_user),
        agreed=True,
    )
    review = review_latest_for_subject(subject=org)
    review_transition(actor=liuzhou_reviewer, review_id=review.pk, action="return", reason="请核对")
    org_submit(
        actor=enterprise_user,
        org_id=org.pk,
        sms_code=send_certify_code(enterprise_user),
        agreed=True,
    )
    client.force_login(enterprise_user)
    client.get(URL)  # warm the content-type cache
    # then the page costs session, user, org, region, review, events, menu (the org and its
    # provider records, read once for every menu entry) and inbox count
    with django_assert_num_queries(9):
        assert client.get(URL).status_code == 200
