"""Concurrent first uses on PostgreSQL: one platform CA, one seal per organization."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from smevoucher.core.errors import DomainError
from smevoucher.esign import services
from smevoucher.esign.models import OrgSeal, PlatformCA
from smevoucher.esign.pki import platform_ca
from smevoucher.orgs.models import OrgMember

pytestmark = [
    pytest.mark.postgres,
    # serialized_rollback: the regions that a migration loads survive the flush between tests
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="concurrent first use needs PostgreSQL (DATABASE_URL)",
    ),
]


def race(work, count: int) -> tuple[list, list[str], list[BaseException]]:
    """Run ``work(i)`` in ``count`` threads released at once."""
    barrier = threading.Barrier(count)
    results, refusals, errors = [], [], []

    def run(i):
        try:
            barrier.wait()
            results.append(work(i))
        except DomainError as refused:
            refusals.append(refused.code)
        except BaseException as error:  # anything else is a failure of the test
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, refusals, errors


def test_the_platform_ca_is_made_once_under_concurrent_first_use():
    # when ten requests need the CA at the same moment on a fresh platform
    made, refusals, errors = race(lambda i: platform_ca().pk, 10)
    # then all of them use the one CA
    assert (errors, refusals) == ([], [])
    assert PlatformCA.objects.count() == 1
    assert set(made) == {PlatformCA.objects.get().pk}


def test_owner_and_agent_making_the_seal_at_once_make_one(org_a, make_user, send_seal_code):
    # given the owner and the agent each hold a valid seal code
    agent = make_user()
    OrgMember.objects.create(org=org_a, user=agent, role="agent", person_name="李四")
    people = [org_a.owner, agent]
    codes = [send_seal_code(person) for person in people]
    # when both make the seal at the same moment
    made, refusals, errors = race(
        lambda i: services.seal_create(actor=people[i], response=codes[i]).pk, 2
    )
    # then one seal exists and the other is told it already does
    assert errors == []
    assert (len(made), refusals) == (1, ["esign.seal_exists"])
    assert OrgSeal.objects.filter(org=org_a).count() == 1
