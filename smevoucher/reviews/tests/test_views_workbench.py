"""The staff review workbench: the queue of one's region, one item's page, its actions."""

import datetime as dt
import re

import pytest
from django.urls import reverse

from conftest import VALID_ID, make_uscc
from smevoucher.orgs.choices import CertStatus
from smevoucher.orgs.models import Organization
from smevoucher.orgs.services import bank_account_save, org_save, org_submit
from smevoucher.reviews.choices import ReviewStatus
from smevoucher.reviews.models import Review
from smevoucher.reviews.selectors import review_allowed_actions

pytestmark = pytest.mark.django_db

MASKED_ID = "110105********002X"
BANK_NUMBER = "6222021234567890128"


@pytest.fixture
def submit_org(make_user, send_certify_code):
    """An organization of ``region_code`` that has submitted its certification."""
    counter = {"n": 0}

    def submit(*, region_code: str = "450202", name: str = "柳州市测试机械有限公司") -> Review:
        counter["n"] += 1
        user = make_user(display_name=name)
        org = org_save(
            actor=user,
            kind="enterprise",
            name=name,
            uscc=make_uscc(100 + counter["n"]),
            region_code=region_code,
            address="测试路1号",
            legal_rep_name="张三",
            legal_rep_id_type="resident_id",
            legal_rep_id_number=VALID_ID,
        )
        org_submit(actor=user, org_id=org.pk, sms_code=send_certify_code(user), agreed=True)
        return Review.objects.get(object_id=str(org.pk), kind="org_certification")

    return submit


def item_links(body: str) -> set[str]:
    return set(re.findall(r'href="/staff/reviews/(\d+)/"', body))


def action_buttons(body: str) -> set[str]:
    return set(re.findall(r'name="action" value="(\w+)"', body))


# --- the queue ---


def test_queue_lists_only_the_reviewers_city(client, submit_org, liuzhou_reviewer):
    # given one submission in Liuzhou and one in Nanning
    submit_org(region_code="450202", name="柳州市甲有限公司")
    submit_org(region_code="450102", name="南宁市乙有限公司")
    # when the Liuzhou reviewer opens the workbench
    client.force_login(liuzhou_reviewer)
    response = client.get(reverse("reviews:workbench"))
    body = response.content.decode()
    # then only Liuzhou's item is listed, with its kind, region and step
    assert response.status_code == 200
    assert "柳州市甲有限公司" in body
    assert "南宁市乙有限公司" not in body
    assert "机构信息认证" in body
    assert "柳州市城中区" in body
    assert "服务中心审核" in body


def test_province_reviewer_sees_both_cities_and_narrows_to_one(
    client, submit_org, province_reviewer
):
    submit_org(region_code="450202", name="柳州市甲有限公司")
    submit_org(region_code="450102", name="南宁市乙有限公司")
    client.force_login(province_reviewer)
    body = client.get(reverse("reviews:workbench")).content.decode()
    assert "柳州市甲有限公司" in body
    assert "南宁市乙有限公司" in body
    # the sub-region select offers the province's cities and narrows the queue
    assert '<option value="4502">柳州市</option>' in body
    body = client.get(reverse("reviews:workbench"), {"region": "4501"}).content.decode()
    assert "柳州市甲有限公司" not in body
    assert "南宁市乙有限公司" in body


def test_queue_filters_by_label_status_and_overdue(client, submit_org, liuzhou_reviewer):
    first = submit_org(name="柳州市甲有限公司")
    second = submit_org(name="柳州市乙有限公司")
    client.force_login(liuzhou_reviewer)
    url = reverse("reviews:workbench")
    # search by the applicant's name
    body = client.get(url, {"q": "乙"}).content.decode()
    assert "柳州市乙有限公司" in body
    assert "柳州市甲有限公司" not in body
    # an item past its deadline is marked and found by "overdue only"
    Review.objects.filter(pk=first.pk).update(deadline=dt.date(2020, 1, 2))
    body = client.get(url, {"overdue": "on"}).content.decode()
    assert "柳州市甲有限公司" in body
    assert "柳州市乙有限公司" not in body
    assert "已超期" in body
    # finished items leave the default (to-do) queue but are found by their status
    Review.objects.filter(pk=second.pk).update(status=ReviewStatus.APPROVED, deadline=None)
    assert "柳州市乙有限公司" not in client.get(url).content.decode()
    assert "柳州市乙有限公司" in client.get(url, {"status": "approved"}).content.decode()
    assert "柳州市乙有限公司" in client.get(url, {"status": ""}).content.decode()


def test_queue_is_paginated_by_twenty(client, submit_org, liuzhou_reviewer):
    for n in range(21):
        submit_org(name=f"柳州市第{n:02d}号有限公司")
    client.force_login(liuzhou_reviewer)
    body = client.get(reverse("reviews:workbench")).content.decode()
    assert len(item_links(body)) == 20
    assert "第 1 / 2 页" in body
    body = client.get(reverse("reviews:workbench"), {"page": 2}).content.decode()
    assert len(item_links(body)) == 1


def test_queue_query_count_does_not_grow_with_rows(
    client, submit_org, liuzhou_reviewer, django_assert_max_num_queries
):
    for n in range(5):
        submit_org(name=f"柳州市第{n}号有限公司")
    client.force_login(liuzhou_reviewer)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("reviews:workbench")).status_code == 200


# --- who may come ---


def test_anonymous_is_sent_to_login_and_enterprise_is_refused(client, enterprise_user):
    url = reverse("reviews:workbench")
    response = client.get(url)
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]
    client.force_login(enterprise_user)
    assert client.get(url).status_code == 403


def test_staff_without_a_role_is_refused(client, make_staff):
    client.force_login(make_staff(region_code="4502", roles=()))
    assert client.get(reverse("reviews:workbench")).status_code == 403


def test_menu_shows_the_workbench_to_staff_with_a_role(client, liuzhou_reviewer):
    client.force_login(liuzhou_reviewer)
    body = client.get(reverse("reviews:workbench")).content.decode()
    assert "审核工作台" in body
    assert reverse("staff:people") not in body  # not a system admin


# --- one item ---


def test_another_citys_reviewer_gets_404_on_the_page_and_on_post(
    client, submit_org, nanning_reviewer
):
    # given a Liuzhou submission
    review = submit_org(region_code="450202")
    client.force_login(nanning_reviewer)
    url = reverse("reviews:detail", args=[review.pk])
    # then the Nanning reviewer is told it does not exist, to read or to act on
    assert client.get(url).status_code == 404
    assert client.post(url, {"action": "approve"}).status_code == 404
    review.refresh_from_db()
    assert review.status == ReviewStatus.SUBMITTED


def test_enterprise_cannot_open_or_act_on_an_item(client, submit_org, enterprise_user):
    review = submit_org()
    client.force_login(enterprise_user)
    url = reverse("reviews:detail", args=[review.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, {"action": "approve"}).status_code == 403


def test_province_reviewer_opens_an_item_of_either_city(client, submit_org, province_reviewer):
    liuzhou = submit_org(region_code="450202", name="柳州市甲有限公司")
    nanning = submit_org(region_code="450102", name="南宁市乙有限公司")
    client.force_login(province_reviewer)
    assert client.get(reverse("reviews:detail", args=[liuzhou.pk])).status_code == 200
    assert client.get(reverse("reviews:detail", args=[nanning.pk])).status_code == 200


def test_page_shows_materials_history_and_the_buttons_the_table_allows(
    client, submit_org, liuzhou_reviewer
):
    # given a submitted certification
    review = submit_org(name="柳州市甲有限公司")
    client.force_login(liuzhou_reviewer)
    # when its reviewer opens it
    body = client.get(reverse("reviews:detail", args=[review.pk])).content.decode()
    # then the materials are there
    for text in (
        "柳州市甲有限公司",
        make_uscc(101),
        "广西壮族自治区柳州市城中区",
        "张三",
        "居民身份证",
    ):
        assert text in body
    # and the history (the submission)
    assert "提交" in body
    assert "待审核" in body
    # and exactly the buttons the workflow table allows this reviewer now
    expected = {a.action for a in review_allowed_actions(actor=liuzhou_reviewer, review=review)}
    assert expected == {"start", "approve", "return", "reject"}
    assert action_buttons(body) == expected


def test_no_buttons_for_a_role_the_step_does_not_need(client, submit_org, make_staff):
    review = submit_org()
    auditor = make_staff(region_code="4502", roles=("auditor",))
    client.force_login(auditor)
    body = client.get(reverse("reviews:detail", args=[review.pk])).content.decode()
    assert review_allowed_actions(actor=auditor, review=review) == []
    assert action_buttons(body) == set()
    assert "您当前没有可办理的操作" in body


def test_returning_without_a_reason_shows_the_error_and_changes_nothing(
    client, submit_org, liuzhou_reviewer
):
    review = submit_org()
    client.force_login(liuzhou_reviewer)
    response = client.post(
        reverse("reviews:detail", args=[review.pk]), {"action": "return", "reason": "  "}
    )
    assert response.status_code == 200
    assert "退回或驳回时请填写原因" in response.content.decode()
    review.refresh_from_db()
    assert review.status == ReviewStatus.SUBMITTED


def test_returning_with_a_reason_moves_the_organization(client, submit_org, liuzhou_reviewer):
    review = submit_org()
    client.force_login(liuzhou_reviewer)
    response = client.post(
        reverse("reviews:detail", args=[review.pk]),
        {"action": "return", "reason": "营业执照照片不清晰"},
        follow=True,
    )
    body = response.content.decode()
    assert "已办理：退回修改" in body
    assert "营业执照照片不清晰" in body  # in the history
    assert Organization.objects.get(pk=review.object_id).status == CertStatus.RETURNED


def test_approving_through_the_page(client, submit_org, liuzhou_reviewer):
    # given a submitted certification
    review = submit_org()
    client.force_login(liuzhou_reviewer)
    # when the reviewer presses 通过
    response = client.post(reverse("reviews:detail", args=[review.pk]), {"action": "approve"})
    # then the page comes back to the item, approved, with no buttons left
    assert response.status_code == 302
    review.refresh_from_db()
    assert review.status == ReviewStatus.APPROVED
    assert Organization.objects.get(pk=review.object_id).status == CertStatus.APPROVED
    body = client.get(response["Location"]).content.decode()
    assert "已通过" in body
    assert action_buttons(body) == set()


def test_a_stale_action_is_refused_with_a_message(client, submit_org, liuzhou_reviewer):
    review = submit_org()
    client.force_login(liuzhou_reviewer)
    url = reverse("reviews:detail", args=[review.pk])
    client.post(url, {"action": "approve"})
    # the same form sent again (a second tab, a double click)
    response = client.post(url, {"action": "approve"})
    assert response.status_code == 200
    assert "当前状态不能执行该操作" in response.content.decode()


# --- personal data on the page ---


def test_full_id_number_to_a_reviewer_masked_to_an_auditor(
    client, submit_org, liuzhou_reviewer, make_staff
):
    review = submit_org()
    url = reverse("reviews:detail", args=[review.pk])
    # a reviewer's work needs the full number
    client.force_login(liuzhou_reviewer)
    body = client.get(url).content.decode()
    assert VALID_ID in body
    # an auditor's does not
    client.force_login(make_staff(region_code="4502", roles=("auditor",)))
    body = client.get(url).content.decode()
    assert VALID_ID not in body
    assert MASKED_ID in body


def test_bank_account_full_only_to_finance(client, submit_org, liuzhou_reviewer, make_staff):
    review = submit_org()
    org = Organization.objects.get(pk=review.object_id)
    bank_account_save(
        actor=org.owner,
        org_id=org.pk,
        account_name=org.name,
        bank_name="中国工商银行",
        branch_name="柳州分行",
        region_code="4502",
        account_number=BANK_NUMBER,
    )
    url = reverse("reviews:detail", args=[review.pk])
    client.force_login(liuzhou_reviewer)
    body = client.get(url).content.decode()
    assert BANK_NUMBER not in body
    assert "6222 **** **** 0128" in body
    client.force_login(make_staff(region_code="4502", roles=("finance",)))
    assert BANK_NUMBER in client.get(url).content.decode()


def test_applicants_phone_is_masked_to_an_auditor(client, submit_org, make_staff):
    review = submit_org()
    phone = review.applicant.phone
    client.force_login(make_staff(region_code="4502", roles=("auditor",)))
    body = client.get(reverse("reviews:detail", args=[review.pk])).content.decode()
    assert phone not in body
    assert f"{phone[:3]}****{phone[-4:]}" in body


def test_change_request_shows_old_and_new_values_side_by_side(
    client, submit_org, liuzhou_reviewer, make_staff
):
    # given a certified organization asking to change its name and legal representative
    from smevoucher.orgs.services import org_change_request
    from smevoucher.reviews.services import review_transition

    review = submit_org(name="柳州市旧名有限公司")
    review_transition(actor=liuzhou_reviewer, review_id=review.pk, action="approve")
    org = Organization.objects.get(pk=review.object_id)
    new_id = "110105194912310046"
    change = org_change_request(
        actor=org.owner,
        org_id=org.pk,
        name="柳州市新名有限公司",
        region_code="450203",
        address="测试路1号",
        legal_rep_name="李四",
        legal_rep_id_type="resident_id",
        legal_rep_id_number=new_id,
        reason="法定代表人变更",
    )
    change_review = Review.objects.get(kind="org_change", object_id=str(change.pk))
    url = reverse("reviews:detail", args=[change_review.pk])
    # when the reviewer opens it
    client.force_login(liuzhou_reviewer)
    body = client.get(url).content.decode()
    # then old and new values stand side by side, the numbers in full for the reviewer
    for text in ("柳州市旧名有限公司", "柳州市新名有限公司", "张三", "李四", "法定代表人变更"):
        assert text in body
    assert "广西壮族自治区柳州市城中区" in body
    assert "广西壮族自治区柳州市鱼峰区" in body
    assert VALID_ID in body
    assert new_id in body
    # and both masked for an auditor
    client.force_login(make_staff(region_code="4502", roles=("auditor",)))
    body = client.get(url).content.decode()
    assert VALID_ID not in body
    assert new_id not in body
    assert "110105********0046" in body
    # once approved, the page shows what changed, as recorded
    client.force_login(liuzhou_reviewer)
    client.post(url, {"action": "approve"})
    body = client.get(url).content.decode()
    assert "变更已生效" in body
    assert "法定代表人姓名" in body
