"""Fixtures shared by every app's tests: one per kind of user, and a clean cache."""

from __future__ import annotations

import pytest
from django.core.cache import cache

DEFAULT_PASSWORD = "Voucher2026"


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
