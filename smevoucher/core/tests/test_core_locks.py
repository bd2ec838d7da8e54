"""serialize_on: a transaction-scoped lock on PostgreSQL, nothing to do on SQLite."""

from __future__ import annotations

import pytest
from django.db import connection, transaction

from smevoucher.core.locks import serialize_on

pytestmark = pytest.mark.django_db


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite only")
def test_on_sqlite_it_runs_no_query(django_assert_num_queries):
    with transaction.atomic(), django_assert_num_queries(0):
        serialize_on("sms:13500001111")


def _advisory_locks_held() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()"
        )
        return cursor.fetchone()[0]


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL")
def test_on_postgresql_it_holds_an_advisory_lock_until_the_transaction_ends():
    # given no advisory lock held by this connection
    before = _advisory_locks_held()
    # when a transaction serializes on a key
    with transaction.atomic():
        serialize_on("sms:13500001111")
        during = _advisory_locks_held()
    # then the lock is held inside it (the test's own transaction keeps it until the end)
    assert during == before + 1
