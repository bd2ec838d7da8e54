"""The staff workbench endpoints: the queue of one's region, an item with its materials, actions."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from conftest import VALID_ID, make_uscc
from smevoucher.accounts.services import api_token_create
from smevoucher.orgs.models import Organization
from smevoucher.orgs.services import bank_account_save, org_change_request, org_save, org_submit
from smevoucher.reviews.models import Review
from smevoucher.reviews.services import review_transition

pytestmark = pytest.mark.django_db

MASKED_ID = "110105********002X"
NEW_REP_ID = "450202198506150043"
BANK_NUMBER = "2105000119200012345"
STAFF_ACTIONS = ["start", "approve", "return", "reject"]


def call(client, method: str, path: str, user=None, data=None):
    headers = {}
    if user is not None:
        _token, key = api_token_create(actor=user)
        headers["Authorization"] = f"Bearer {key}"
    return getattr(client, method)(
        f"/api/v1{path}", data or {}, content_type="application/json", headers=headers
    )


def org_details(**overrides) -> dict:
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


def submitted(user, send_code, **overrides) -> Review:
    org = org_save(actor=user, **org_details(**overrides))
    org_submit(actor=user, org_id=org.pk, sms_code=send_code(user), agreed=True)
    return Review.objects.get(kind="org_certification", object_id=str(org.pk))


@pytest.fixture
def liuzhou_review(enterprise_user, send_certify_code) -> Review:
    return submitted(enterprise_user, send_certify_code)


@pytest.fixture
def nanning_review(other_enterprise_user, send_certify_code) -> Review:
    return submitted(
        other_enterprise_user,
        send_certify_code,
        name="南宁市另一家企业有限公司",
        uscc=make_uscc(2),
        region_code="450102",
    )


@pytest.fixture
def liuzhou_auditor(make_staff):
    return make_staff(region_code="4502", roles=("auditor",), display_name="柳州市审计员")


@pytest.fixture
def liuzhou_finance(make_staff):
    return make_staff(region_code="4502", roles=("finance",), display_name="柳州市财务")


def ids(response) -> list[int]:
    return [item["id"] for item in response.json()["items"]]


# --- the queue -----------------------------------------------------------------------------


def test_city_reviewer_sees_only_its_city_and_the_province_both(
    client, liuzhou_review, nanning_review, liuzhou_reviewer, nanning_reviewer, province_reviewer
):
    # when each reviewer reads its queue
    liuzhou = call(client, "get", "/reviews", liuzhou_reviewer)
    nanning = call(client, "get", "/reviews", nanning_reviewer)
    province = call(client, "get", "/reviews", province_reviewer)
    # then a city sees its own city only, the province sees both
    assert liuzhou.status_code == 200, liuzhou.content
    assert ids(liuzhou) == [liuzhou_review.pk]
    assert ids(nanning) == [nanning_review.pk]
    assert sorted(ids(province)) == sorted([liuzhou_review.pk, nanning_review.pk])
    assert province.json()["count"] == 2


def test_queue_item_says_what_the_reviewer_may_do_and_whether_it_is_late(
    client, liuzhou_review, liuzhou_reviewer
):
    item = call(client, "get", "/reviews", liuzhou_reviewer).json()["items"][0]
    assert item["kind"] == "org_certification"
    assert item["kind_label"] == "机构信息认证"
    assert item["subject_label"] == "柳州市测试机械有限公司"
    assert item["status_label"] == "待审核"
    assert item["step_name"] == "服务中心审核"
    assert item["overdue"] is False
    assert [a["action"] for a in item["allowed_actions"]] == STAFF_ACTIONS
    needs_reason = {a["action"]: a["needs_reason"] for a in item["allowed_actions"]}
    assert needs_reason == {"start": False, "approve": False, "return": True, "reject": True}


def test_another_citys_reviewer_has_an_empty_queue(client, liuzhou_review, nanning_reviewer):
    response = call(client, "get", "/reviews", nanning_reviewer)
    assert response.status_code == 200
    assert response.json() == {"items": [], "count": 0}


def test_queue_filters_by_status_kind_and_overdue(
    client, make_user, enterprise_user, liuzhou_reviewer, send_certify_code
):
    # given two Liuzhou reviews: one past its deadline, one returned
    late = submitted(enterprise_user, send_certify_code)
    second_user = make_user(phone="13500005555", display_name="柳州市第二家企业有限公司")
    returned = submitted(
        second_user, send_certify_code, name="柳州市第二家企业有限公司", uscc=make_uscc(3)
    )
    Review.objects.filter(pk=late.pk).update(deadline=timezone.localdate() - dt.timedelta(days=3))
    review_transition(
        actor=liuzhou_reviewer, review_id=returned.pk, action="return", reason="执照照片不清晰"
    )
    # when the queue is filtered
    overdue = call(client, "get", "/reviews?overdue=true", liuzhou_reviewer)
    by_status = call(client, "get", "/reviews?status=returned", liuzhou_reviewer)
    by_kind = call(client, "get", "/reviews?kind=org_change", liuzhou_reviewer)
    # then each filter keeps what it names
    assert ids(overdue) == [late.pk]
    assert overdue.json()["items"][0]["overdue"] is True
    assert ids(by_status) == [returned.pk]
    assert by_status.json()["items"][0]["allowed_actions"] == []
    assert ids(by_kind) == []


def test_queue_is_paginated(
    client, make_user, enterprise_user, liuzhou_reviewer, send_certify_code
):
    first = submitted(enterprise_user, send_certify_code)
    second_user = make_user(phone="13500005555", display_name="柳州市第二家企业有限公司")
    second = submitted(
        second_user, send_certify_code, name="柳州市第二家企业有限公司", uscc=make_uscc(3)
    )
    page_one = call(client, "get", "/reviews?page_size=1", liuzhou_reviewer)
    page_two = call(client, "get", "/reviews?page_size=1&page=2", liuzhou_reviewer)
    assert page_one.json()["count"] == 2
    assert ids(page_one) + ids(page_two) == [first.pk, second.pk]


def test_an_unknown_status_filter_answers_422(client, liuzhou_reviewer):
    response = call(client, "get", "/reviews?status=lost", liuzhou_reviewer)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "status"


@pytest.mark.parametrize(
    ("method", "path"),
    [("get", "/reviews"), ("get", "/reviews/{id}"), ("post", "/reviews/{id}/actions")],
)
def test_the_workbench_is_for_staff_only(client, liuzhou_review, enterprise_user, method, path):
    # when the enterprise itself calls a staff endpoint, even about its own review
    response = call(
        client,
        method,
        path.format(id=liuzhou_review.pk),
        enterprise_user,
        {"action": "approve", "reason": ""},
    )
    # then it is refused, and nothing moves
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    assert Review.objects.get(pk=liuzhou_review.pk).status == "submitted"


# --- one item with its materials -----------------------------------------------------------


def test_reviewer_sees_the_materials_with_the_full_id_number(
    client, liuzhou_review, liuzhou_reviewer, enterprise_user
):
    # given the enterprise's bank account on file
    bank_account_save(
        actor=enterprise_user,
        org_id=Organization.objects.get().pk,
        account_name="柳州市测试机械有限公司",
        bank_name="中国工商银行",
        branch_name="柳州分行营业部",
        region_code="4502",
        account_number=BANK_NUMBER,
    )
    # when the reviewer opens the item
    response = call(client, "get", f"/reviews/{liuzhou_review.pk}", liuzhou_reviewer)
    # then the reviewer's role needs the ID and the phone, not the bank number
    assert response.status_code == 200, response.content
    body = response.json()
    org = body["organization"]
    assert org["legal_rep_id_number"] == VALID_ID
    assert org["owner_phone"] == "13500001111"
    assert org["bank_account"]["account_number"] == "2105 **** **** 2345"
    assert org["uscc"] == make_uscc(1)
    assert org["status_label"] == "已提交"
    assert body["org_change"] is None
    assert body["applicant_name"] == "柳州市测试机械有限公司"
    assert body["chain"] == [{"name": "服务中心审核", "role": "reviewer", "working_days": 2}]
    assert [e["action"] for e in body["events"]] == ["submit"]
    assert [a["action"] for a in body["allowed_actions"]] == STAFF_ACTIONS


def test_auditor_sees_the_materials_masked_and_may_not_act(client, liuzhou_review, liuzhou_auditor):
    response = call(client, "get", f"/reviews/{liuzhou_review.pk}", liuzhou_auditor)
    assert response.status_code == 200
    org = response.json()["organization"]
    assert org["legal_rep_id_number"] == MASKED_ID
    assert org["owner_phone"] == "135****1111"
    assert response.json()["allowed_actions"] == []
    raw = response.content.decode()
    assert VALID_ID not in raw
    assert "13500001111" not in raw


def test_finance_sees_the_full_bank_number_but_not_the_id(
    client, liuzhou_review, liuzhou_finance, enterprise_user
):
    bank_account_save(
        actor=enterprise_user,
        org_id=Organization.objects.get().pk,
        account_name="柳州市测试机械有限公司",
        bank_name="中国工商银行",
        branch_name="柳州分行营业部",
        region_code="4502",
        account_number=BANK_NUMBER,
    )
    org = call(client, "get", f"/reviews/{liuzhou_review.pk}", liuzhou_finance).json()[
        "organization"
    ]
    assert org["bank_account"]["account_number"] == BANK_NUMBER
    assert org["legal_rep_id_number"] == MASKED_ID


def test_another_citys_reviewer_gets_404_on_the_item(client, liuzhou_review, nanning_reviewer):
    response = call(client, "get", f"/reviews/{liuzhou_review.pk}", nanning_reviewer)
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_province_reviewer_opens_a_citys_item(client, liuzhou_review, province_reviewer):
    response = call(client, "get", f"/reviews/{liuzhou_review.pk}", province_reviewer)
    assert response.status_code == 200
    assert response.json()["organization"]["legal_rep_id_number"] == VALID_ID


def test_change_review_shows_current_and_requested_values(
    client, liuzhou_review, liuzhou_reviewer, enterprise_user
):
    # given a certified organization that asks to change its legal representative
    review_transition(actor=liuzhou_reviewer, review_id=liuzhou_review.pk, action="approve")
    org = Organization.objects.get()
    change = org_change_request(
        actor=enterprise_user,
        org_id=org.pk,
        name=org.name,
        region_code="450202",
        address=org.address,
        legal_rep_name="王五",
        legal_rep_id_type="resident_id",
        legal_rep_id_number=NEW_REP_ID,
        reason="法定代表人变更",
    )
    review = Review.objects.get(kind="org_change", object_id=str(change.pk))
    # when the reviewer opens it
    body = call(client, "get", f"/reviews/{review.pk}", liuzhou_reviewer).json()
    # then both the values on file and those asked for are shown
    assert body["kind_label"] == "机构信息变更"
    assert body["organization"]["legal_rep_name"] == "张三"
    assert body["organization"]["legal_rep_id_number"] == VALID_ID
    assert body["org_change"]["legal_rep_name"] == "王五"
    assert body["org_change"]["legal_rep_id_number"] == NEW_REP_ID
    assert body["org_change"]["reason"] == "法定代表人变更"


# --- actions -------------------------------------------------------------------------------


def test_returned_corrected_resubmitted_and_approved(
    client, enterprise_user, liuzhou_reviewer, send_certify_code
):
    # given a submitted certification
    review = submitted(enterprise_user, send_certify_code)
    # when the city reviewer returns it with a reason
    returned = call(
        client,
        "post",
        f"/reviews/{review.pk}/actions",
        liuzhou_reviewer,
        {"action": "return", "reason": "法定代表人姓名与执照不符"},
    )
    assert returned.status_code == 200, returned.content
    assert returned.json()["status"] == "returned"
    assert returned.json()["allowed_actions"] == []
    # then the enterprise sees the state and the reason
    mine = call(client, "get", "/orgs/mine", enterprise_user).json()
    assert mine["status_label"] == "已退回"
    assert mine["review"]["last_reason"] == "法定代表人姓名与执照不符"
    assert mine["review"]["events"][-1]["actor_label"] == "柳州市服务中心审核员"
    # when it corrects and resubmits
    corrected = call(
        client, "put", "/orgs/mine", enterprise_user, org_details(legal_rep_name="张三丰")
    )
    assert corrected.status_code == 200, corrected.content
    resubmitted = call(
        client,
        "post",
        "/orgs/mine/submit",
        enterprise_user,
        {"sms_code": send_certify_code(enterprise_user), "agreed": True},
    )
    assert resubmitted.json()["status_label"] == "已提交"
    # and the reviewer approves
    approved = call(
        client, "post", f"/reviews/{review.pk}/actions", liuzhou_reviewer, {"action": "approve"}
    )
    assert approved.status_code == 200, approved.content
    # then the enterprise sees it certified, with every step in the history
    mine = call(client, "get", "/orgs/mine", enterprise_user).json()
    assert mine["status_label"] == "已通过"
    assert mine["certified_at"]
    assert [e["action"] for e in mine["review"]["events"]] == [
        "submit",
        "return",
        "resubmit",
        "approve",
    ]


def test_return_needs_a_reason(client, liuzhou_review, liuzhou_reviewer):
    response = call(
        client,
        "post",
        f"/reviews/{liuzhou_review.pk}/actions",
        liuzhou_reviewer,
        {"action": "return", "reason": "  "},
    )
    assert response.status_code == 400
    assert response.json()["field"] == "reason"
    assert Review.objects.get(pk=liuzhou_review.pk).status == "submitted"


def test_start_names_the_handler(client, liuzhou_review, liuzhou_reviewer):
    response = call(
        client,
        "post",
        f"/reviews/{liuzhou_review.pk}/actions",
        liuzhou_reviewer,
        {"action": "start"},
    )
    assert response.status_code == 200
    assert response.json()["status"] == "under_review"
    assert response.json()["handler_name"] == "柳州市服务中心审核员"


def test_an_action_the_state_does_not_allow_answers_409(client, liuzhou_review, liuzhou_reviewer):
    path = f"/reviews/{liuzhou_review.pk}/actions"
    assert call(client, "post", path, liuzhou_reviewer, {"action": "approve"}).status_code == 200
    again = call(client, "post", path, liuzhou_reviewer, {"action": "approve"})
    assert again.status_code == 409
    assert again.json()["code"] == "review.invalid_action"


def test_an_applicant_action_is_not_a_staff_action(client, liuzhou_review, liuzhou_reviewer):
    response = call(
        client,
        "post",
        f"/reviews/{liuzhou_review.pk}/actions",
        liuzhou_reviewer,
        {"action": "withdraw"},
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "action"


def test_auditor_may_not_act(client, liuzhou_review, liuzhou_auditor):
    response = call(
        client,
        "post",
        f"/reviews/{liuzhou_review.pk}/actions",
        liuzhou_auditor,
        {"action": "approve"},
    )
    assert response.status_code == 403
    assert response.json()["code"] == "review.forbidden"


def test_another_citys_reviewer_cannot_act(client, liuzhou_review, nanning_reviewer):
    response = call(
        client,
        "post",
        f"/reviews/{liuzhou_review.pk}/actions",
        nanning_reviewer,
        {"action": "approve"},
    )
    assert response.status_code == 404
    assert Review.objects.get(pk=liuzhou_review.pk).status == "submitted"
