"""The 信息变更 page: change requests of a certified organization, and their history."""

import pytest
from django.urls import reverse

from conftest import VALID_ID, make_uscc
from smevoucher.orgs.choices import ChangeStatus
from smevoucher.orgs.models import OrgChange
from smevoucher.orgs.services import org_change_request, org_save, org_submit
from smevoucher.reviews.selectors import review_latest_for_subject
from smevoucher.reviews.services import review_transition

pytestmark = pytest.mark.django_db

URL = reverse("orgs:changes")
NEW_ID = "450202198503120017"


@pytest.fixture
def certified_org(enterprise_user, liuzhou_reviewer, send_certify_code):
    org = org_save(
        actor=enterprise_user,
        kind="enterprise",
        name="柳州市测试机械有限公司",
        uscc=make_uscc(1),
        region_code="450202",
        address="柳州市城中区测试路1号",
        legal_rep_name="张三",
        legal_rep_id_type="resident_id",
        legal_rep_id_number=VALID_ID,
    )
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
    org.refresh_from_db()
    return org


def change_data(**overrides) -> dict:
    data = {
        "action": "request",
        "name": "柳州市测试机械集团有限公司",
        "province": "45",
        "city": "4502",
        "district": "450202",
        "address": "柳州市城中区测试路1号",
        "legal_rep_name": "张三",
        "legal_rep_id_type": "resident_id",
        "legal_rep_id_number": VALID_ID,
        "reason": "企业更名",
    }
    data.update(overrides)
    return data


def test_form_is_prefilled_except_the_id_number(client, enterprise_user, certified_org):
    client.force_login(enterprise_user)
    response = client.get(URL)
    page = response.content.decode()
    assert 'value="柳州市测试机械有限公司"' in page
    assert '<option value="450202" selected>城中区</option>' in page
    assert "请重新填写完整证件号码" in page
    assert response.context["form"]["legal_rep_id_number"].value() in (None, "")
    assert VALID_ID not in page


def test_change_request_is_created_listed_and_its_history_kept(
    client, enterprise_user, liuzhou_reviewer, certified_org
):
    client.force_login(enterprise_user)
    # when the enterprise asks to change its name
    response = client.post(URL, change_data())
    # then a pending request exists and the organization keeps its name until approval
    assert response.status_code == 302
    change = OrgChange.objects.get(org=certified_org)
    assert (change.status, change.name) == (ChangeStatus.PENDING, "柳州市测试机械集团有限公司")
    certified_org.refresh_from_db()
    assert certified_org.name == "柳州市测试机械有限公司"
    page = client.get(URL).content.decode()
    assert "审核中" in page
    assert "企业更名" in page
    # when the reviewer approves, the history shows the old and the new value
    review_transition(
        actor=liuzhou_reviewer,
        review_id=review_latest_for_subject(subject=change).pk,
        action="approve",
    )
    page = client.get(URL).content.decode()
    history = page.split("变更记录", 1)[1]
    assert "机构名称" in history
    assert "柳州市测试机械有限公司" in history
    assert "柳州市测试机械集团有限公司" in history


def test_changed_id_number_is_masked_in_the_history(
    client, enterprise_user, liuzhou_reviewer, certified_org
):
    change = org_change_request(
        actor=enterprise_user,
        org_id=certified_org.pk,
        name=certified_org.name,
        region_code="4502",
        address=certified_org.address,
        legal_rep_name="王五",
        legal_rep_id_type="resident_id",
        legal_rep_id_number=NEW_ID,
        reason="法定代表人变更",
    )
    review_transition(
        actor=liuzhou_reviewer,
        review_id=review_latest_for_subject(subject=change).pk,
        action="approve",
    )
    client.force_login(enterprise_user)
    page = client.get(URL).content.decode()
    assert "450202********0017" in page
    assert "110105********002X" in page
    assert NEW_ID not in page
    assert VALID_ID not in page
    # the region is shown by name, not by code
    history = page.split("变更记录", 1)[1]
    assert "广西壮族自治区柳州市城中区" in history
    assert "广西壮族自治区柳州市" in history


def test_unchanged_request_is_refused(client, enterprise_user, certified_org):
    client.force_login(enterprise_user)
    response = client.post(URL, change_data(name="柳州市测试机械有限公司"))
    assert response.status_code == 200
    assert "变更内容与现有信息相同" in response.content.decode()
    assert not OrgChange.objects.exists()


def test_id_number_must_be_filled_again(client, enterprise_user, certified_org):
    client.force_login(enterprise_user)
    response = client.post(URL, change_data(legal_rep_id_number=""))
    assert "请填写证件号码" in response.context["form"].errors["legal_rep_id_number"]
    assert not OrgChange.objects.exists()


def test_returned_change_shows_the_reason_and_can_be_withdrawn(
    client, enterprise_user, liuzhou_reviewer, certified_org
):
    client.force_login(enterprise_user)
    client.post(URL, change_data())
    change = OrgChange.objects.get()
    review_transition(
        actor=liuzhou_reviewer,
        review_id=review_latest_for_subject(subject=change).pk,
        action="return",
        reason="请上传更名核准通知书",
    )
    page = client.get(URL).content.decode()
    assert "已退回" in page
    assert "请上传更名核准通知书" in page
    response = client.post(URL, {"action": "withdraw", "change": change.pk})
    assert response.status_code == 302
    change.refresh_from_db()
    assert change.status == ChangeStatus.WITHDRAWN
    # and a new request may be filed
    assert client.post(URL, change_data()).status_code == 302
    assert OrgChange.objects.count() == 2


def test_another_orgs_change_is_neither_shown_nor_withdrawn(
    client,
    enterprise_user,
    other_enterprise_user,
    nanning_reviewer,
    certified_org,
    send_certify_code,
):
    # given a pending change of the first organization
    client.force_login(enterprise_user)
    client.post(URL, change_data())
    change = OrgChange.objects.get()
    # and a second certified organization in another city
    other = org_save(
        actor=other_enterprise_user,
        kind="enterprise",
        name="南宁市另一家企业有限公司",
        uscc=make_uscc(2),
        region_code="4501",
        address="",
        legal_rep_name="赵六",
        legal_rep_id_type="resident_id",
        legal_rep_id_number=VALID_ID,
    )
    org_submit(
        actor=other_enterprise_user,
        org_id=other.pk,
        sms_code=send_certify_code(other_enterprise_user),
        agreed=True,
    )
    review_transition(
        actor=nanning_reviewer,
        review_id=review_latest_for_subject(subject=other).pk,
        action="approve",
    )
    client.force_login(other_enterprise_user)
    # then the other organization neither sees the change nor may withdraw it
    assert "柳州市测试机械集团有限公司" not in client.get(URL).content.decode()
    response = client.post(URL, {"action": "withdraw", "change": change.pk})
    assert response.status_code == 404
    change.refresh_from_db()
    assert change.status == ChangeStatus.PENDING


def test_uncertified_org_cannot_request_changes(client, enterprise_user):
    org_save(
        actor=enterprise_user,
        kind="enterprise",
        name="柳州市测试机械有限公司",
        uscc=make_uscc(1),
        region_code="450202",
        address="",
        legal_rep_name="张三",
        legal_rep_id_type="resident_id",
        legal_rep_id_number=VALID_ID,
    )
    client.force_login(enterprise_user)
    page = client.get(URL).content.decode()
    assert "机构认证通过后才能申请信息变更" in page
    assert 'value="request"' not in page
    client.post(URL, change_data())
    assert not OrgChange.objects.exists()
