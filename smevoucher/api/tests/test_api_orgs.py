"""The organization endpoints: certification, agent, bank account, changes and history."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from conftest import VALID_ID, make_uscc
from smevoucher.accounts.services import api_token_create
from smevoucher.notifications.models import SmsOutbox
from smevoucher.orgs.choices import CertStatus, ChangeStatus
from smevoucher.orgs.models import Organization, OrgChange, OrgMember
from smevoucher.orgs.services import org_save, org_submit
from smevoucher.reviews.models import Review
from smevoucher.reviews.services import review_transition

pytestmark = pytest.mark.django_db

MASKED_ID = "110105********002X"
AGENT_ID = "440301199003071230"
NEW_REP_ID = "450202198506150043"
BANK_NUMBER = "2105000119200012345"


def call(client, method: str, path: str, user=None, data=None):
    headers = {}
    if user is not None:
        _token, key = api_token_create(actor=user)
        headers["Authorization"] = f"Bearer {key}"
    return getattr(client, method)(
        f"/api/v1{path}", data or {}, content_type="application/json", headers=headers
    )


def org_payload(**overrides) -> dict:
    return {
        "kind": "enterprise",
        "name": "柳州市测试机械有限公司",
        "uscc": make_uscc(1),
        "region_code": "450202",
        "address": "柳州市城中区测试路1号",
        "legal_rep_name": "张三",
        "legal_rep_id_type": "resident_id",
        "legal_rep_id_number": VALID_ID,
        **overrides,
    }


def draft_org(user, **overrides) -> Organization:
    return org_save(actor=user, **org_payload(**overrides))


def certified_org(user, reviewer, send_code) -> Organization:
    org = draft_org(user)
    org_submit(actor=user, org_id=org.pk, sms_code=send_code(user), agreed=True)
    review = Review.objects.get(kind="org_certification", object_id=str(org.pk))
    review_transition(actor=reviewer, review_id=review.pk, action="approve")
    org.refresh_from_db()
    return org


@pytest.fixture
def capture(django_capture_on_commit_callbacks):
    return django_capture_on_commit_callbacks


# --- GET / PUT /orgs/mine ------------------------------------------------------------------


def test_mine_answers_404_before_any_details_are_filled_in(client, enterprise_user):
    response = call(client, "get", "/orgs/mine", enterprise_user)
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_mine_needs_a_login(client):
    response = call(client, "get", "/orgs/mine")
    assert response.status_code == 401
    assert response.json()["code"] == "unauthorized"


def test_put_mine_saves_a_draft_shown_with_the_masked_id(client, enterprise_user):
    # when the enterprise fills in its certification details
    response = call(client, "put", "/orgs/mine", enterprise_user, org_payload())
    # then a draft exists, its state shown as the manuals show it, the ID number masked
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "draft"
    assert body["status_label"] == "未提交"
    assert body["uscc"] == make_uscc(1)
    assert body["region_code"] == "450202"
    assert body["region_name"].endswith("柳州市城中区")
    assert body["legal_rep_id_type_label"] == "居民身份证"
    assert body["legal_rep_id_number"] == MASKED_ID
    assert body["my_role"] == "owner"
    assert body["agent"] is None
    assert body["bank_account"] is None
    assert body["review"] is None
    assert VALID_ID not in response.content.decode()
    assert Organization.objects.get().owner == enterprise_user


def test_put_mine_corrects_the_draft(client, enterprise_user):
    draft_org(enterprise_user)
    response = call(
        client, "put", "/orgs/mine", enterprise_user, org_payload(legal_rep_name="张三丰")
    )
    assert response.status_code == 200
    assert response.json()["legal_rep_name"] == "张三丰"
    assert Organization.objects.count() == 1


def test_invalid_uscc_is_refused_with_the_field_and_a_chinese_message(client, enterprise_user):
    # given a credit code whose check character is wrong
    good = make_uscc(1)
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    # when it is submitted
    response = call(client, "put", "/orgs/mine", enterprise_user, org_payload(uscc=bad))
    # then it is refused on the uscc input, in Chinese, and nothing is stored
    assert response.status_code == 400
    body = response.json()
    assert body["field"] == "uscc"
    assert body["code"] == "uscc.checksum"
    assert "统一社会信用代码" in body["message"]
    assert not Organization.objects.exists()


def test_invalid_id_check_digit_is_refused(client, enterprise_user):
    wrong = VALID_ID[:-1] + "1"
    response = call(
        client, "put", "/orgs/mine", enterprise_user, org_payload(legal_rep_id_number=wrong)
    )
    assert response.status_code == 400
    assert response.json()["field"] == "legal_rep_id_number"
    assert "校验位" in response.json()["message"]


def test_second_organization_with_the_same_uscc_is_refused(
    client, enterprise_user, other_enterprise_user
):
    draft_org(enterprise_user)
    response = call(client, "put", "/orgs/mine", other_enterprise_user, org_payload())
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "uscc.taken"
    assert body["field"] == "uscc"
    assert "联系" in body["message"]


def test_an_unknown_certificate_type_answers_422(client, enterprise_user):
    response = call(
        client, "put", "/orgs/mine", enterprise_user, org_payload(legal_rep_id_type="passport")
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "legal_rep_id_type"


def test_submitted_details_cannot_be_edited(client, enterprise_user, send_certify_code):
    org = draft_org(enterprise_user)
    org_submit(
        actor=enterprise_user,
        org_id=org.pk,
        sms_code=send_certify_code(enterprise_user),
        agreed=True,
    )
    response = call(client, "put", "/orgs/mine", enterprise_user, org_payload(name="改名公司"))
    assert response.status_code == 409
    assert response.json()["code"] == "org.not_editable"


# --- SMS code and submit -------------------------------------------------------------------


def test_sms_code_goes_to_the_own_phone(client, capture, enterprise_user):
    # given a draft
    draft_org(enterprise_user)
    # when the enterprise asks for the confirmation code
    with capture(execute=True):
        response = call(client, "post", "/orgs/mine/sms-code", enterprise_user)
    # then it goes to its own phone, which the answer names only masked
    assert response.status_code == 200, response.content
    assert response.json()["message"] == "验证码已发送至135****1111"
    assert "13500001111" not in response.content.decode()
    assert SmsOutbox.objects.filter(phone=enterprise_user.phone).count() == 1


def test_sms_code_twice_within_a_minute_answers_429(client, capture, enterprise_user):
    draft_org(enterprise_user)
    with capture(execute=True):
        assert call(client, "post", "/orgs/mine/sms-code", enterprise_user).status_code == 200
    response = call(client, "post", "/orgs/mine/sms-code", enterprise_user)
    assert response.status_code == 429
    assert response.json()["code"] == "sms.too_soon"


def test_sms_code_needs_an_organization(client, enterprise_user):
    response = call(client, "post", "/orgs/mine/sms-code", enterprise_user)
    assert response.status_code == 404
    assert not SmsOutbox.objects.exists()


def test_submit_with_the_code_opens_the_review(client, capture, enterprise_user):
    # given a draft and the code sent through the API
    draft_org(enterprise_user)
    with capture(execute=True):
        call(client, "post", "/orgs/mine/sms-code", enterprise_user)
    code = re.search(r"\d{6}", SmsOutbox.objects.get().text).group()
    # when the enterprise submits with it and agrees to the terms
    response = call(
        client, "post", "/orgs/mine/submit", enterprise_user, {"sms_code": code, "agreed": True}
    )
    # then it is submitted and shows its review: step, deadline, the submit event
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "submitted"
    assert body["status_label"] == "已提交"
    assert body["agreed_at"]
    review = body["review"]
    assert review["status"] == "submitted"
    assert review["step_name"] == "服务中心审核"
    assert review["deadline"]
    assert review["overdue"] is False
    assert review["last_reason"] == ""
    assert [e["action"] for e in review["events"]] == ["submit"]


def test_submit_refuses_a_wrong_code(client, enterprise_user, send_certify_code):
    draft_org(enterprise_user)
    code = send_certify_code(enterprise_user)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    response = call(
        client, "post", "/orgs/mine/submit", enterprise_user, {"sms_code": wrong, "agreed": True}
    )
    assert response.status_code == 400
    assert response.json()["code"] == "sms.wrong"
    assert Organization.objects.get().status == CertStatus.DRAFT


def test_submit_needs_the_agreement(client, enterprise_user, send_certify_code):
    draft_org(enterprise_user)
    code = send_certify_code(enterprise_user)
    response = call(client, "post", "/orgs/mine/submit", enterprise_user, {"sms_code": code})
    assert response.status_code == 400
    assert response.json()["field"] == "agreed"
    assert not Review.objects.exists()


# --- agent ---------------------------------------------------------------------------------


def agent_payload(**overrides) -> dict:
    return {
        "person_name": "李四",
        "id_type": "resident_id",
        "id_number": AGENT_ID,
        "phone": "13600002222",
        **overrides,
    }


def test_owner_designates_an_agent_shown_masked(client, enterprise_user, other_enterprise_user):
    # given an organization and a registered person to act for it
    draft_org(enterprise_user)
    # when the owner designates them
    response = call(client, "put", "/orgs/mine/agent", enterprise_user, agent_payload())
    # then the agent is shown with ID and phone masked
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["person_name"] == "李四"
    assert body["id_number"] == "440301********1230"
    assert body["phone"] == "136****2222"
    assert AGENT_ID not in response.content.decode()
    # and the agent now acts for the organization
    mine = call(client, "get", "/orgs/mine", other_enterprise_user).json()
    assert mine["name"] == "柳州市测试机械有限公司"
    assert mine["my_role"] == "agent"
    assert mine["agent"]["phone"] == "136****2222"


def test_agent_must_be_registered(client, enterprise_user):
    draft_org(enterprise_user)
    response = call(
        client, "put", "/orgs/mine/agent", enterprise_user, agent_payload(phone="13912345678")
    )
    assert response.status_code == 400
    assert response.json()["field"] == "phone"
    assert response.json()["code"] == "agent.unregistered"


def test_only_the_owner_changes_the_agent(client, enterprise_user, other_enterprise_user):
    # given an agent acting for the organization
    draft_org(enterprise_user)
    call(client, "put", "/orgs/mine/agent", enterprise_user, agent_payload())
    # when the agent tries to remove itself
    response = call(client, "delete", "/orgs/mine/agent", other_enterprise_user)
    # then only the owner may
    assert response.status_code == 403
    assert response.json()["code"] == "org.owner_only"


def test_owner_removes_the_agent(client, enterprise_user, other_enterprise_user):
    draft_org(enterprise_user)
    call(client, "put", "/orgs/mine/agent", enterprise_user, agent_payload())
    response = call(client, "delete", "/orgs/mine/agent", enterprise_user)
    assert response.status_code == 200
    assert response.json() == {"message": "已取消经办人"}
    assert not OrgMember.objects.filter(user=other_enterprise_user).exists()
    assert call(client, "get", "/orgs/mine", other_enterprise_user).status_code == 404
    again = call(client, "delete", "/orgs/mine/agent", enterprise_user)
    assert again.status_code == 409
    assert again.json()["code"] == "agent.none"


# --- bank account --------------------------------------------------------------------------


def bank_payload(**overrides) -> dict:
    return {
        "account_name": "柳州市测试机械有限公司",
        "bank_name": "中国工商银行",
        "branch_name": "柳州分行营业部",
        "region_code": "4502",
        "account_number": BANK_NUMBER,
        **overrides,
    }


def test_bank_account_is_saved_and_shown_masked(client, enterprise_user):
    draft_org(enterprise_user)
    response = call(client, "put", "/orgs/mine/bank-account", enterprise_user, bank_payload())
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["account_number"] == "2105 **** **** 2345"
    assert body["region_name"].endswith("柳州市")
    assert BANK_NUMBER not in response.content.decode()


def test_bank_account_name_must_match_the_organization(client, enterprise_user):
    draft_org(enterprise_user)
    response = call(
        client,
        "put",
        "/orgs/mine/bank-account",
        enterprise_user,
        bank_payload(account_name="别的公司"),
    )
    assert response.status_code == 400
    assert response.json()["field"] == "account_name"


def test_enterprise_never_gets_full_personal_values_in_mine(
    client, enterprise_user, other_enterprise_user
):
    # given an organization with an agent and a bank account
    draft_org(enterprise_user)
    call(client, "put", "/orgs/mine/agent", enterprise_user, agent_payload())
    call(client, "put", "/orgs/mine/bank-account", enterprise_user, bank_payload())
    # when owner and agent read it
    for user in (enterprise_user, other_enterprise_user):
        response = call(client, "get", "/orgs/mine", user)
        raw = response.content.decode()
        # then no full ID number, bank number or phone is in the raw answer
        assert response.status_code == 200
        for secret in (VALID_ID, AGENT_ID, BANK_NUMBER, "13600002222", "13500001111"):
            assert secret not in raw
        body = response.json()
        assert body["legal_rep_id_number"] == MASKED_ID
        assert body["bank_account"]["account_number"] == "2105 **** **** 2345"
        assert body["agent"]["id_number"] == "440301********1230"


# --- changes and history -------------------------------------------------------------------


def change_payload(**overrides) -> dict:
    return {
        "name": "柳州市测试机械股份有限公司",
        "region_code": "450202",
        "address": "柳州市城中区测试路1号",
        "legal_rep_name": "王五",
        "legal_rep_id_type": "resident_id",
        "legal_rep_id_number": NEW_REP_ID,
        "reason": "公司改制，法定代表人变更",
        **overrides,
    }


def test_change_request_of_a_certified_org_goes_to_review(
    client, enterprise_user, liuzhou_reviewer, send_certify_code
):
    # given a certified organization
    certified_org(enterprise_user, liuzhou_reviewer, send_certify_code)
    # when it asks to change its name and legal representative
    response = call(client, "post", "/orgs/mine/changes", enterprise_user, change_payload())
    # then the request waits for review, the new ID shown masked, the old values unchanged
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "pending"
    assert body["status_label"] == "审核中"
    assert body["legal_rep_id_number"] == "450202********0043"
    assert body["review"]["kind"] == "org_change"
    assert body["review"]["status"] == "submitted"
    assert NEW_REP_ID not in response.content.decode()
    assert Organization.objects.get().name == "柳州市测试机械有限公司"
    listed = call(client, "get", "/orgs/mine/changes", enterprise_user).json()
    assert [c["id"] for c in listed] == [body["id"]]


def test_change_request_needs_a_certified_org(client, enterprise_user):
    draft_org(enterprise_user)
    response = call(client, "post", "/orgs/mine/changes", enterprise_user, change_payload())
    assert response.status_code == 409
    assert response.json()["code"] == "org.not_certified"


def test_one_change_request_at_a_time(client, enterprise_user, liuzhou_reviewer, send_certify_code):
    certified_org(enterprise_user, liuzhou_reviewer, send_certify_code)
    call(client, "post", "/orgs/mine/changes", enterprise_user, change_payload())
    response = call(
        client, "post", "/orgs/mine/changes", enterprise_user, change_payload(name="又一个名字")
    )
    assert response.status_code == 409
    assert response.json()["code"] == "org.change_open"


def test_approved_change_keeps_the_old_values_in_history(
    client, enterprise_user, liuzhou_reviewer, send_certify_code
):
    # given a change request approved by the reviewer
    certified_org(enterprise_user, liuzhou_reviewer, send_certify_code)
    change_id = call(
        client, "post", "/orgs/mine/changes", enterprise_user, change_payload()
    ).json()["id"]
    review = Review.objects.get(kind="org_change", object_id=str(change_id))
    review_transition(actor=liuzhou_reviewer, review_id=review.pk, action="approve")
    # when the enterprise reads its details, changes and history
    mine = call(client, "get", "/orgs/mine", enterprise_user).json()
    changes = call(client, "get", "/orgs/mine/changes", enterprise_user).json()
    response = call(client, "get", "/orgs/mine/history", enterprise_user)
    # then the new values are current, and the old ones are kept, ID numbers masked
    assert mine["name"] == "柳州市测试机械股份有限公司"
    assert changes[0]["status_label"] == "已通过"
    assert response.status_code == 200
    history = {row["field"]: row for row in response.json()}
    assert history["name"]["old_value"] == "柳州市测试机械有限公司"
    assert history["name"]["field_label"] == "机构名称"
    assert history["legal_rep_id_number"]["old_value"] == MASKED_ID
    assert history["legal_rep_id_number"]["new_value"] == "450202********0043"
    raw = response.content.decode()
    assert VALID_ID not in raw
    assert NEW_REP_ID not in raw


def test_withdrawing_a_change_request(client, enterprise_user, liuzhou_reviewer, send_certify_code):
    # given a change request the reviewer returned
    certified_org(enterprise_user, liuzhou_reviewer, send_certify_code)
    change_id = call(
        client, "post", "/orgs/mine/changes", enterprise_user, change_payload()
    ).json()["id"]
    review = Review.objects.get(kind="org_change", object_id=str(change_id))
    review_transition(
        actor=liuzhou_reviewer, review_id=review.pk, action="return", reason="请上传改制决议"
    )
    # when the enterprise withdraws it
    response = call(client, "post", f"/orgs/mine/changes/{change_id}/withdraw", enterprise_user)
    # then it is closed, and a new request may be made
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "withdrawn"
    assert response.json()["review"]["last_reason"] == "请上传改制决议"
    assert OrgChange.objects.get().status == ChangeStatus.WITHDRAWN
    again = call(client, "post", "/orgs/mine/changes", enterprise_user, change_payload())
    assert again.status_code == 200


def test_another_orgs_change_cannot_be_withdrawn(
    client, enterprise_user, other_enterprise_user, liuzhou_reviewer, send_certify_code
):
    certified_org(enterprise_user, liuzhou_reviewer, send_certify_code)
    change_id = call(
        client, "post", "/orgs/mine/changes", enterprise_user, change_payload()
    ).json()["id"]
    draft_org(other_enterprise_user, uscc=make_uscc(2), name="南宁市另一家企业有限公司")
    response = call(
        client, "post", f"/orgs/mine/changes/{change_id}/withdraw", other_enterprise_user
    )
    assert response.status_code == 404
    assert OrgChange.objects.get().status == ChangeStatus.PENDING


def test_session_writes_need_the_csrf_token(enterprise_user):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(enterprise_user)
    response = browser.put("/api/v1/orgs/mine", org_payload(), content_type="application/json")
    assert response.status_code == 403
    assert not Organization.objects.exists()
