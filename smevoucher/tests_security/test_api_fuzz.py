"""Schemathesis against the served OpenAPI document, as every role (issue 10).

Every operation of ``/api/v1/`` is sent requests generated from its schema, valid and
invalid, as each role of the demo world (``manage.py demo_data``). An answer must never be
a 5xx, must carry a status code the operation documents, and must match the documented
body, content type and headers; input the schema calls invalid must be refused (4xx), and
an operation that declares a login must refuse a request without one. (Schema-valid input
may still be refused: business rules answer 400, so positive_data_acceptance is not run.)

The world is built once for the module inside a transaction that is rolled back at its
end, so the rest of the suite never sees it. Every generated request runs in a savepoint
of its own, so each meets the same world. Each role has a fixed seed of its own: roles
meet different generated input, and a run is reproducible.

``FUZZ_EXAMPLES`` sets the generated requests per operation and role (default below);
``FUZZ_COVERAGE=1`` adds schemathesis's coverage phase (boundary values of every input,
several times slower). The run ends with a line "schemathesis: <role> <n> cases, ...".
"""

from __future__ import annotations

import io
import os
from collections import Counter
from contextlib import contextmanager

import pytest
import schemathesis
from django.core import signals
from django.core.cache import cache
from django.core.management import call_command
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from django.test import override_settings
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    ignored_auth,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

FUZZ_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "5"))
FUZZ_COVERAGE = os.environ.get("FUZZ_COVERAGE") == "1"
SEED = 20261007

# role: the demo account it calls the API as (demo_data, demo_providers)
ROLES = {
    "anonymous": None,
    "enterprise A": "13900000001",  # Liuzhou, holds a general voucher
    "enterprise B": "13900000002",  # Nanning
    "provider X": "13900000011",  # Nanning, national platform
    "provider Y": "13900000013",  # Liuzhou, city platform
    "reviewer city 1": "13800000001",  # Liuzhou
    "reviewer city 2": "13800000002",  # Nanning
    "province reviewer": "13800000003",  # reviewer and approver of Guangxi
    "approver": "13800000007",
    "finance": "13800000004",
    "system admin": "13800000000",
}

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
    negative_data_rejection,
    ignored_auth,
]

CASES: Counter[str] = Counter()

application = get_wsgi_application()
SERVED = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)


def _served_schema(seed: int):
    """The served document (fetched once), called in process, generating from ``seed``."""
    schema = schemathesis.openapi.from_dict(
        SERVED.raw_schema,
        config=schemathesis.Config.from_dict(
            {
                "seed": seed,
                "generation": {"mode": "all", "max-examples": FUZZ_EXAMPLES},
                "phases": {
                    "coverage": {"enabled": FUZZ_COVERAGE},
                    "stateful": {"enabled": False},
                },
            }
        ),
    )
    schema.app, schema.location = SERVED.app, SERVED.location  # as from_wsgi sets them
    return schema


# A seed per role: an operation is tried with eleven times as many different requests.
SCHEMAS = {role: _served_schema(SEED + index) for index, role in enumerate(ROLES)}


class _CasesReport:
    """The line CI shows: the cases run per role and the failed operations."""

    def pytest_terminal_summary(self, terminalreporter):
        if not CASES:
            return
        failed = sum(
            1
            for outcome in ("failed", "error")
            for report in terminalreporter.stats.get(outcome, [])
            if "test_api_fuzz.py::" in getattr(report, "nodeid", "")
        )
        roles = ", ".join(f"{role} {CASES[role]:,} cases" for role in ROLES)
        terminalreporter.write_line(
            f"schemathesis: {roles}; {CASES.total():,} cases in all, {failed} failures "
            f"({len(SERVED)} operations, {FUZZ_EXAMPLES} examples each per role, "
            f"seeds from {SEED})"
        )


@contextmanager
def _requests_keep_the_connection():
    """Requests reach the WSGI handler in process, inside the module's transaction: Django
    must not close the connection at their start and end (its test client does the same)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@contextmanager
def _on_commit_at_once():
    """The demo commands read the SMS codes they just queued; inside the module's
    transaction nothing commits, so callbacks run when they are registered."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(transaction, "on_commit", lambda func, using=None, robust=False: func())
        yield


@pytest.fixture(scope="module")
def world(request, django_db_setup, django_db_blocker, tmp_path_factory):
    """The demo world and a bearer token per role, rolled back when the module ends."""
    from smevoucher.accounts.models import User
    from smevoucher.accounts.services import api_token_create

    if not request.config.pluginmanager.has_plugin("smevoucher-fuzz-report"):
        request.config.pluginmanager.register(_CasesReport(), "smevoucher-fuzz-report")
    with (
        override_settings(MEDIA_ROOT=str(tmp_path_factory.mktemp("fuzz-media"))),
        django_db_blocker.unblock(),
        _requests_keep_the_connection(),
        transaction.atomic(),
    ):
        with _on_commit_at_once():
            call_command("demo_data", stdout=io.StringIO())
        headers = {}
        for role, phone in ROLES.items():
            if phone is None:
                headers[role] = {}
            else:
                _, key = api_token_create(actor=User.objects.get(phone=phone), name="fuzz")
                headers[role] = {"Authorization": f"Bearer {key}"}
        yield headers
        transaction.set_rollback(True)


def _fuzz_as(role: str):
    # The role as a parameter too: pytest 9 names an unparametrized schemathesis test
    # without its operation.
    @pytest.mark.django_db
    @pytest.mark.parametrize("role", [role])
    @SCHEMAS[role].parametrize()
    @settings(
        max_examples=FUZZ_EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def test(case, role, world):
        # given the demo world, as this role, in a savepoint of this case's own
        with transaction.atomic():
            cache.clear()  # no rate limit carried over from the previous case
            try:
                # when the generated request is sent, then the answer is as documented
                case.call_and_validate(headers=world[role], checks=CHECKS)
            finally:
                CASES[role] += 1
                transaction.set_rollback(True)

    test.__name__ = test.__qualname__ = f"test_api_as_{role.replace(' ', '_').lower()}"
    return test


for _role in ROLES:
    _test = _fuzz_as(_role)
    globals()[_test.__name__] = _test
