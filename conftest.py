"""Fixtures shared by every app's tests: one per kind of user, and a clean cache."""

from __future__ import annotations

import pytest
from django.core.cache import cache

DEFAULT_PASSWORD = "Voucher2026"


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the platform's language; a request in English must not leak."""
    from django.utils import translation

    translation.activate("zh-hans")
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _fresh_content_types():
    """Content types are cached per process by id; a transactional test's flush and restore
    can give them other ids, so every test reads them afresh."""
    from django.contrib.contenttypes.models import ContentType

    ContentType.objects.clear_cache()


@pytest.fixture(autouse=True)
def _clean_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def make_user(db):
    from smevoucher.accounts.models import User

    counter = {"n": 0}

    def make(*, phone: str | None = None, password: str = DEFAULT_PASSWORD, **extra) -> User:
        counter["n"] += 1
        phone = phone or f"1350000{counter['n']:04d}"
        extra.setdefault("display_name", f"测试企业{counter['n']}有限公司")
        return User.objects.create_user(phone, password, **extra)

    return make


@pytest.fixture
def enterprise_user(make_user):
    return make_user(phone="13500001111", display_name="柳州市测试机械有限公司")


@pytest.fixture
def other_enterprise_user(make_user):
    return make_user(phone="13600002222", display_name="南宁市另一家企业有限公司")


@pytest.fixture
def staff_user(make_user):
    return make_user(phone="13800003333", display_name="服务中心审核员", is_staff=True)


# --- organizations, staff and regions (issue 3) ---

VALID_ID = "11010519491231002X"


def make_uscc(seed: int) -> str:
    """A valid unified social credit code built from ``seed`` (check character computed)."""
    from stdnum.cn import uscc

    body = f"9145020{seed:010d}"[:17]
    return body + uscc.calc_check_digit(body)


@pytest.fixture
def regions(db):
    """The administrative divisions, reloaded if a transactional test flushed them."""
    from smevoucher.regions.loader import load_regions
    from smevoucher.regions.models import Region

    if not Region.objects.filter(code="450202").exists():
        load_regions(Region)


@pytest.fixture
def make_staff(make_user, regions):
    from smevoucher.regions.models import Region
    from smevoucher.staff.models import StaffProfile, StaffRoleGrant

    def make(*, region_code: str, roles=("reviewer",), phone: str | None = None, **extra):
        user = make_user(phone=phone, is_staff=True, **extra)
        StaffProfile.objects.create(user=user, region=Region.objects.get(code=region_code))
        for role in roles:
            StaffRoleGrant.objects.create(user=user, role=role)
        return user

    return make


@pytest.fixture
def liuzhou_reviewer(make_staff):
    return make_staff(region_code="4502", phone="13800004502", display_name="柳州市服务中心审核员")


@pytest.fixture
def nanning_reviewer(make_staff):
    return make_staff(region_code="4501", phone="13800004501", display_name="南宁市服务中心审核员")


@pytest.fixture
def province_reviewer(make_staff):
    return make_staff(region_code="45", phone="13800000045", display_name="自治区审核员")


@pytest.fixture
def send_certify_code(settings, django_capture_on_commit_callbacks):
    """Send the certification SMS code to ``user`` and return it, as they would read it."""
    import re

    from smevoucher.accounts.services import sms_code_send
    from smevoucher.notifications.models import SmsOutbox

    settings.SMS_RESEND_SECONDS = 0  # a test may certify twice within the minute

    def send(user) -> str:
        with django_capture_on_commit_callbacks(execute=True):
            sms_code_send(phone=user.phone, purpose="certify", ip_address="127.0.0.1")
        text = SmsOutbox.objects.filter(phone=user.phone).order_by("-pk").first().text
        return re.search(r"\d{6}", text).group(0)

    return send


# --- programs and vouchers (issue 4) ---


@pytest.fixture
def make_program(regions):
    """A program with Guangxi's rules, valid around today; ``make_program(budget_fen=...)``."""
    from django.utils import timezone

    from smevoucher.programs.services import program_create
    from smevoucher.vouchers.tests.conftest import rules_for_tests

    counter = {"n": 0}

    def make(**overrides):
        counter["n"] += 1
        return program_create(
            actor=None,
            code=f"test-{counter['n']}",
            name="测试项目",
            policy_title="",
            region_code="45",
            year=timezone.localdate().year,
            rules=rules_for_tests(**overrides),
        )

    return make


@pytest.fixture
def make_org(make_user, regions):
    """A certified enterprise in Liuzhou, created directly (for ledger tests)."""
    from smevoucher.orgs.models import Organization, OrgMember
    from smevoucher.regions.models import Region

    counter = {"n": 100}

    def make(name: str = "柳州市测试企业有限公司"):
        counter["n"] += 1
        user = make_user()
        org = Organization.objects.create(
            kind="enterprise",
            name=name,
            uscc=make_uscc(counter["n"]),
            region=Region.objects.get(code="450202"),
            region_code="450202",
            legal_rep_name="张三",
            legal_rep_id_type="resident_id",
            legal_rep_id_number=VALID_ID,
            legal_rep_id_index="x",
            status="approved",
            owner=user,
        )
        OrgMember.objects.create(org=org, user=user, role="owner")
        return org

    return make
