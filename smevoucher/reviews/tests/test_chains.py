"""System admins set each kind's review chain; reviews already submitted keep theirs."""

import pytest
from django.urls import reverse

from conftest import VALID_ID, make_uscc
from smevoucher.core.errors import DomainError
from smevoucher.orgs.services import org_save, org_submit
from smevoucher.reviews.models import Review, ReviewChainStep
from smevoucher.reviews.services import review_chain_set

pytestmark = pytest.mark.django_db

TWO_STEPS = [
    {"name": "服务中心初审", "role": "reviewer", "working_days": 2},
    {"name": "经信局审批", "role": "approver", "working_days": 3},
]


def submit(user, send_code, seed):
    org = org_save(
        actor=user,
        kind="enterprise",
        name=f"柳州市流程{seed}有限公司",
        uscc=make_uscc(seed),
        region_code="450202",
        address="",
        legal_rep_name="张三",
        legal_rep_id_type="resident_id",
        legal_rep_id_number=VALID_ID,
    )
    org_submit(actor=user, org_id=org.pk, sms_code=send_code(user), agreed=True)
    return Review.objects.get(object_id=str(org.pk), kind="org_certification")


def test_a_new_chain_applies_to_new_submissions_only(make_staff, make_user, send_certify_code):
    admin = make_staff(region_code="45", roles=("sysadmin",))
    before = submit(make_user(), send_certify_code, 901)
    review_chain_set(actor=admin, kind="org_certification", steps=TWO_STEPS)
    after = submit(make_user(), send_certify_code, 902)
    assert len(before.chain) == 1
    assert [s["name"] for s in after.chain] == ["服务中心初审", "经信局审批"]


@pytest.mark.parametrize(
    ("steps", "code"),
    [
        ([], "review_chain.length"),
        ([{"name": "", "role": "reviewer", "working_days": 2}], "review_chain.name"),
        ([{"name": "初审", "role": "boss", "working_days": 2}], "review_chain.role"),
        ([{"name": "初审", "role": "reviewer", "working_days": 0}], "review_chain.days"),
    ],
)
def test_bad_chains_are_refused_and_change_nothing(make_staff, steps, code):
    admin = make_staff(region_code="45", roles=("sysadmin",))
    with pytest.raises(DomainError) as refused:
        review_chain_set(actor=admin, kind="org_certification", steps=steps)
    assert refused.value.code == code
    assert not ReviewChainStep.objects.exists()


def test_only_system_admins(liuzhou_reviewer, client):
    with pytest.raises(DomainError) as refused:
        review_chain_set(actor=liuzhou_reviewer, kind="org_certification", steps=TWO_STEPS)
    assert refused.value.code == "review_chain.forbidden"
    client.force_login(liuzhou_reviewer)
    assert client.get(reverse("reviews:chains")).status_code == 403


def test_pages_list_kinds_and_save_a_chain(make_staff, client):
    admin = make_staff(region_code="45", roles=("sysadmin",))
    client.force_login(admin)
    body = client.get(reverse("reviews:chains")).content.decode()
    assert "机构信息认证" in body
    assert "服务券配额申请" in body
    data = {
        "name_0": "服务中心初审",
        "role_0": "reviewer",
        "days_0": "2",
        "name_1": "经信局审批",
        "role_1": "approver",
        "days_1": "3",
    }
    response = client.post(reverse("reviews:chain_edit", args=["quota_application"]), data)
    assert response.status_code == 302
    assert list(
        ReviewChainStep.objects.filter(kind="quota_application").values_list("name", flat=True)
    ) == [
        "服务中心初审",
        "经信局审批",
    ]
    assert client.get(reverse("reviews:chain_edit", args=["no-such-kind"])).status_code == 404
