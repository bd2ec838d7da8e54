"""Given: the orders' and redemptions' own fixtures, an administrator's connection to the
test database, and PostgreSQL only (the fault tests skip elsewhere)."""

from __future__ import annotations

import pytest
from django.db import connection

from smevoucher.settlements.tests.conftest import (  # noqa: F401  shared fixtures
    WAN,
    _media,
    chain_staff,
    drive,
    enterprise,
    enterprise_org,
    evaluated_orders,
    issue_voucher,
    key,
    lines_for,
    make_product,
    make_provider,
    program,
    provider,
    provider_org,
    provider_user,
    range_product,
    send_code,
    submitted_claim,
    top_tier,
    voucher,
)

from .faults import dsn_of

on_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="killing and restarting database sessions needs PostgreSQL (DATABASE_URL)",
)


@pytest.fixture
def admin():
    """Connection arguments of an administrator's session on the test database, apart from
    Django's (each statement of `faults.sql` opens its own)."""
    return dsn_of(connection.settings_dict)
