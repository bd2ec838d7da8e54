"""Certification of an organization through the review workflow."""

import pytest
from django.db import connection

from conftest import VALID_ID, make_uscc
from smevoucher.core.errors import DomainError, NotFound
from smevoucher.orgs.choices import CertStatus
from smevoucher.orgs.models import BankAccount, Organization
from smevoucher.orgs.services import bank_account_save, org_save, org_submit
from smevoucher.reviews.choices import ReviewStatus
from smevoucher.reviews.models import Review
from smevoucher.reviews.selectors import review_queue
from smevoucher.reviews.services import review_transition

pytestmark = pytest.mark.django_db


def save(user, **overrides):
    data = {
        "kind": "enterprise",
        "name": "柳州市测试机械有限公司",
        "uscc": make_uscc(1),
        "region_code": "450202",
        "address": "柳州市城中区测试路1号",
        "legal_rep_name": "张三",
        "legal_rep_id_type": "resident_id",
        "legal_rep_id_number": VALID_ID,
    }
    data.update(overrides)
    return org_save(actor=user, **data)


def test_certification_is_returned_corrected_and_approved(
    enterprise_user, liuzhou_reviewer, send_certify_code
):
    # given an enterprise that filled in and submitted its details
    org = save(enterprise_user)
    assert org.status == CertStatus.DRAFT
    org = org_submit(
        actor=enterprise_user,
        org_id=org.pk,
        sms_code=send_certify_code(enterprise_user),
        agreed=True,
    )
    assert org.status == CertStatus.SUBMITTED
    review = Review.objects.get(object_id=str(org.pk))
    assert review.deadline is not None
    # when the city reviewer returns it with a reason
    review_transition(
        actor=liuzhou_reviewer,
        review_id=review.pk,
        action="return",
        reason="法定代表人姓名与执照不符",
    )
    org.refresh_from_db()
    assert org.status == CertStatus.RETURNED
    # and the enterprise corrects and resubmits
    save(enterprise_user, legal_rep_name="张三丰")
    org = org_submit(
        actor=enterprise_user,
        org_id=org.pk,
        sms_code=send_certify_code(enterprise_user),
        agreed=True,
    )
    assert org.status == CertStatus.SUBMITTED
    # then the reviewer approves
    review_transition(actor=liuzhou_reviewer, review_id=review.pk, action="approve")
    org.refresh_from_db()
    assert org.status == CertStatus.APPROVED
    assert org.certified_at is not None
    assert Review.objects.get(pk=review.pk).status == ReviewStatus.APPROVED


def test_reviewer_of_another_city_gets_not_found_and_does_not_see_it(
    enterprise_user, nanning_reviewer, province_reviewer, liuzhou_reviewer, send_certify_code
):
    org = save(enterprise_user)
    org_submit(
        actor=enterprise_user,
        org_id=org.pk,
        sms_code=send_certify_code(enterprise_user),
        agreed=True,
    )
    review = Review.objects.get(object_id=str(org.pk))
    assert not review_queue(actor=nanning_reviewer).exists()
    with pytest.raises(NotFound):
        review_transition(actor=nanning_reviewer, review_id=review.pk, action="approve")
    assert list(review_queue(actor=liuzhou_reviewer)) == [review]
    assert list(review_queue(actor=province_reviewer)) == [review]


def test_second_organization_with_the_same_uscc_is_refused(enterprise_user, other_enterprise_user):
    save(enterprise_user)
    with pytest.raises(DomainError) as refused:
        save(other_enterprise_user, name="另一家公司")
    assert refused.value.code == "uscc.taken"
    assert "联系" in refused.value.message
    assert Organization.objects.count() == 1


def test_invalid_check_characters_are_refused(enterprise_user):
    with pytest.raises(DomainError, match="统一社会信用代码校验位不正确"):
        save(enterprise_user, uscc="911100001000013251")
    with pytest.raises(DomainError, match="居民身份证号码校验位不正确"):
        save(enterprise_user, legal_rep_id_number="110105194912310021")
    with pytest.raises(DomainError, match="出生日期"):
        save(enterprise_user, legal_rep_id_number="110105194913310025")
    assert not Organization.objects.exists()


def test_database_holds_no_plaintext_id_or_bank_number(enterprise_user):
    org = save(enterprise_user)
    bank_account_save(
        actor=enterprise_user,
        org_id=org.pk,
        account_name=org.name,
        bank_name="中国工商银行",
        branch_name="柳州分行营业部",
        region_code="4502",
        account_number="2105000119200012345",
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT legal_rep_id_number FROM orgs_organization")
        (stored_id,) = cursor.fetchone()
        cursor.execute("SELECT account_number FROM orgs_bankaccount")
        (stored_account,) = cursor.fetchone()
    assert VALID_ID not in stored_id
    assert "2105000119200012345" not in stored_account
    assert stored_id.startswith("sm4gcm:")
    assert Organization.objects.get().legal_rep_id_number == VALID_ID
    assert BankAccount.objects.get().account_number == "2105000119200012345"
