"""The database restarting while the platform serves: only the request in flight is lost.

The platform runs as in production — gunicorn, one sync worker, a persistent connection
(CONN_MAX_AGE 600) with Django's health checks (CONN_HEALTH_CHECKS, base settings) — and
serves the JSON API to an enterprise with a bearer token.

Two ways the database goes away, one test each:

- ``real restart``: the server's database is a copy (pg_dump | pg_restore) of the test
  database in a PostgreSQL cluster of the test's own (initdb in a temporary folder, a free
  port); it is restarted for real with ``pg_ctl restart -m fast``: every session is ended,
  the postmaster stops, starts again and accepts new connections. Skipped when the server
  binaries (initdb, pg_ctl of the test server's major version; ``PG_BINDIR``) are missing.
  The shared PostgreSQL service is never restarted.
- ``all sessions killed``: the server uses the test database itself and every backend of
  that database is ended with ``pg_terminate_backend`` — what a restart does to the
  sessions, without the seconds in which new connections are refused. Runs wherever
  PostgreSQL does.

Each time: (1) a request opens the worker's persistent connection; (2) the database goes
away while the worker is idle; (3) the next request succeeds — the health check finds the
connection dead and opens a new one; (4) an order placement is held in the middle of its
transaction (its order row and voucher hold written, its audit insert waiting on a table
lock an administrator holds) when the database goes away again; (5) that request, and only
that one, fails with the API's clean 500 body and leaves no row behind; (6) the next
request succeeds, the retry with the same idempotency key places the order once and a
second retry returns the same order; `manage.py ledger_check` passes on that database.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from contextlib import suppress

import psycopg
import pytest
from django.conf import settings
from django.db import connection, connections

from smevoucher.accounts.services import api_token_create

from .conftest import on_postgres
from .faults import (
    SERVER_NAME,
    PrivatePostgres,
    backends_of,
    call,
    database_url,
    dsn_of,
    postgres_bindir,
    served,
    sql,
    terminate,
)

pytestmark = [
    pytest.mark.postgres,
    on_postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def _server_sessions(dsn: dict) -> list[tuple[int, str, str | None]]:
    return sql(
        dsn,
        "SELECT pid, coalesce(wait_event_type, ''), backend_xid::text FROM pg_stat_activity"
        " WHERE application_name = %s",
        (SERVER_NAME,),
    )


def _rows(dsn: dict) -> dict[str, int]:
    """The number of rows of every table of the database."""
    tables = [
        name
        for (name,) in sql(
            dsn, "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1"
        )
    ]
    return {name: sql(dsn, f'SELECT count(*) FROM "{name}"')[0][0] for name in tables}  # noqa: S608


def _voucher(dsn: dict, pk: int) -> tuple[int, int]:
    return sql(dsn, "SELECT available_fen, held_fen FROM vouchers_voucher WHERE id = %s", (pk,))[0]


class InFlight(threading.Thread):
    """One request sent in the background; its answer once it ends."""

    def __init__(self, base, method, path, *, token, body):
        super().__init__(daemon=True)
        self.args_ = (base, method, path)
        self.token, self.body, self.answer = token, body, None

    def run(self):
        self.answer = call(*self.args_, token=self.token, body=self.body)


def _hold_mid_transaction(dsn: dict, base: str, token: str, body: bytes):
    """Lock the audit table from an administrator's session, send the order, and wait
    until the server's session waits on that lock with rows already written."""
    admin = psycopg.connect(**dsn, connect_timeout=10)
    admin.execute("LOCK TABLE audit_auditrecord IN SHARE ROW EXCLUSIVE MODE")
    request = InFlight(base, "POST", "/api/v1/orders", token=token, body=body)
    request.start()
    deadline = time.monotonic() + 30
    while True:
        waiting = [row for row in _server_sessions(dsn) if row[1] == "Lock"]
        if waiting:
            break
        assert request.is_alive(), f"the order did not wait on the lock: {request.answer}"
        assert time.monotonic() < deadline, "the order never reached its audit record"
        time.sleep(0.05)
    ((_pid, _wait, xid),) = waiting
    assert xid is not None, "the waiting transaction must already have written rows"
    return admin, request


def _restart_costs_only_the_request_in_flight(*, dsn, goes_away, base, token, order_body, voucher):
    orders = "/api/v1/orders"
    # (1) the worker opens its persistent connection
    assert call(base, "GET", orders, token=token)[0] == 200
    (first_session,) = _server_sessions(dsn)

    # (2) the database goes away while the worker is idle; (3) the next request succeeds
    goes_away()
    assert call(base, "GET", orders, token=token)[0] == 200
    (second_session,) = _server_sessions(dsn)
    assert second_session[0] != first_session[0], "the health check reconnected"

    # (4) an order is in the middle of its transaction when the database goes away again
    before, balance = _rows(dsn), _voucher(dsn, voucher.pk)
    admin, request = _hold_mid_transaction(dsn, base, token, order_body)
    try:
        goes_away()
    finally:
        with suppress(psycopg.Error):  # its session may have ended with the others
            admin.close()
    request.join(timeout=60)

    # (5) that request failed cleanly, and nothing of it is left
    status, text = request.answer
    assert status == 500, text
    assert json.loads(text)["code"] == "server_error"
    assert _rows(dsn) == before
    assert _voucher(dsn, voucher.pk) == balance

    # (6) the platform serves again; the retry places the order once, a second retry
    # answers with the same order
    assert call(base, "GET", orders, token=token)[0] == 200
    status, text = call(base, "POST", orders, token=token, body=order_body)
    assert status == 201, text
    placed = json.loads(text)
    after = _rows(dsn)
    status, text = call(base, "POST", orders, token=token, body=order_body)
    assert (status, json.loads(text)["number"]) == (201, placed["number"])
    assert _rows(dsn) == after
    assert after["orders_order"] == before["orders_order"] + 1
    available, held = _voucher(dsn, voucher.pk)
    assert (available, held) == (balance[0] - placed["deduction_fen"], placed["deduction_fen"])
    checked = subprocess.run(
        [sys.executable, "manage.py", "ledger_check"],
        cwd=settings.BASE_DIR,
        env={
            **os.environ,
            "DATABASE_URL": database_url(dsn),
            "DJANGO_SETTINGS_MODULE": "smevoucher.settings.test",
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert checked.returncode == 0, checked.stderr
    assert "ledger check passed" in checked.stdout


@pytest.fixture
def customer(enterprise, range_product, top_tier, voucher):
    """The enterprise's bearer token and the body of the order it places."""
    _row, token = api_token_create(actor=enterprise, name="故障测试")
    body = json.dumps(
        {
            "product_id": range_product.pk,
            "tier_id": top_tier.pk,
            "voucher_id": voucher.pk,
            "idempotency_key": "restart-order-1",
        }
    ).encode()
    return token, body


def test_a_real_restart_costs_only_the_request_in_flight(customer, voucher, tmp_path):
    bindir = postgres_bindir()
    if bindir is None:
        pytest.skip("no PostgreSQL server binaries (initdb, pg_ctl); set PG_BINDIR")
    token, body = customer
    cluster = PrivatePostgres(bindir)
    try:
        cluster.start()
        cluster.copy_of(connection.settings_dict, "smevoucher_faults_restart")
        dsn = cluster.dsn("smevoucher_faults_restart")
        with served(database_url(dsn), log=tmp_path / "gunicorn.log") as base:
            _restart_costs_only_the_request_in_flight(
                dsn=dsn,
                goes_away=cluster.restart,
                base=base,
                token=token,
                order_body=body,
                voucher=voucher,
            )
    finally:
        cluster.stop()


def test_all_sessions_killed_costs_only_the_request_in_flight(customer, voucher, tmp_path):
    token, body = customer
    dsn = dsn_of(connection.settings_dict)

    def every_session_ended():
        terminate(dsn, backends_of(dsn, dsn["dbname"]))

    try:
        with served(database_url(dsn), log=tmp_path / "gunicorn.log") as base:
            _restart_costs_only_the_request_in_flight(
                dsn=dsn,
                goes_away=every_session_ended,
                base=base,
                token=token,
                order_body=body,
                voucher=voucher,
            )
    finally:
        # this test's own sessions were ended too: open new ones for the teardown
        connections.close_all()
