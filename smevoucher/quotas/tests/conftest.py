import datetime as dt

import pytest

from conftest import VALID_ID, make_uscc
from smevoucher.orgs.services import org_save, org_submit
from smevoucher.programs.models import EnterpriseClassification
from smevoucher.programs.services import program_create
from smevoucher.reviews.models import Review
from smevoucher.reviews.services import review_transition
from smevoucher.vouchers.tests.conftest import rules_for_tests

WAN = 1_000_000


@pytest.fixture
def guangxi(db):
    return program_create(
        actor=None,
        code="guangxi-test",
        name="广西制造业企业培优育强服务券（测试）",
        policy_title="",
        region_code="45",
        year=dt.date.today().year,
        rules=rules_for_tests(),
    )


@pytest.fixture
def certified(enterprise_user, liuzhou_reviewer, send_certify_code):
    """The enterprise user's organization, certified by the Liuzhou reviewer."""
    org = org_save(
        actor=enterprise_user,
        kind="enterprise",
        name="柳州市测试机械有限公司",
        uscc=make_uscc(501),
        region_code="450202",
        address="",
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
    review = Review.objects.get(kind="org_certification", object_id=str(org.pk))
    review_transition(actor=liuzhou_reviewer, review_id=review.pk, action="approve")
    org.refresh_from_db()
    return org


@pytest.fixture
def listed(guangxi):
    def put(org, *classes):
        for code in classes:
            EnterpriseClassification.objects.create(program=guangxi, uscc=org.uscc, class_code=code)

    return put


def approve(review_of, reviewer):
    review = Review.objects.get(kind="quota_application", object_id=str(review_of.pk))
    return review_transition(actor=reviewer, review_id=review.pk, action="approve")
