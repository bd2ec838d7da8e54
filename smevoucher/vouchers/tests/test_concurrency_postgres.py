"""Concurrent movements on PostgreSQL: row locks keep every limit exact."""

import threading

import pytest
from django.db import connection, connections

from smevoucher.core.errors import DomainError
from smevoucher.vouchers import services as ledger
from smevoucher.vouchers.checks import ledger_problems
from smevoucher.vouchers.models import Voucher
from smevoucher.vouchers.selectors import program_budget_left

from .conftest import WAN

pytestmark = [
    pytest.mark.postgres,
    # serialized_rollback: the regions that a migration loads survive the flush between tests
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="row-lock concurrency needs PostgreSQL (DATABASE_URL)",
    ),
]

THREADS = 50
ROUNDS = 20


def race(work, count: int) -> tuple[int, list[str], list[BaseException]]:
    """Run ``work(i)`` in ``count`` threads released at once; count successes and refusals."""
    barrier = threading.Barrier(count)
    successes, refusals, errors = [], [], []

    def run(i):
        try:
            barrier.wait()
            work(i)
            successes.append(i)
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
    return len(successes), refusals, errors


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_fifty_holds_on_one_voucher_only_k_succeed(round_, make_program, make_org):
    # given a voucher of 7 × 1万 and fifty orders of 1万 each at the same moment
    program = make_program(enterprise_annual_deduction_cap_fen=None)
    k = 7
    voucher = ledger.voucher_issue(
        actor=None,
        program_version=program.versions.get(),
        org=make_org(),
        voucher_type="general",
        amount_fen=k * WAN,
        quota_fen=30 * WAN,
        idempotency_key=f"issue-{round_}",
    )
    # when they all hold at once
    ok, refusals, errors = race(
        lambda i: ledger.voucher_hold(
            actor=None, voucher_id=voucher.pk, amount_fen=WAN, idempotency_key=f"hold-{round_}-{i}"
        ),
        THREADS,
    )
    # then exactly k succeed, the rest get the clear refusal, and the balance is exact
    assert errors == []
    assert ok == k
    assert set(refusals) == {"voucher.insufficient"}
    voucher.refresh_from_db()
    assert (voucher.available_fen, voucher.held_fen) == (0, k * WAN)
    assert ledger_problems() == []


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_fifty_issues_against_one_budget_only_k_succeed(round_, make_program, make_org):
    # given a budget for 5 vouchers of 5万 and fifty enterprises approved at once
    k = 5
    program = make_program(budget_fen=k * 5 * WAN)
    orgs = [make_org() for _ in range(THREADS)]
    version = program.versions.get()
    ok, refusals, errors = race(
        lambda i: ledger.voucher_issue(
            actor=None,
            program_version=version,
            org=orgs[i],
            voucher_type="general",
            amount_fen=5 * WAN,
            quota_fen=5 * WAN,
            idempotency_key=f"issue-{round_}-{i}",
        ),
        THREADS,
    )
    assert errors == []
    assert ok == k
    assert set(refusals) == {"program.budget_exhausted"}
    assert program_budget_left(program) == 0
    assert Voucher.objects.filter(program=program).count() == k
    assert ledger_problems() == []


def test_the_same_idempotency_key_from_fifty_threads_moves_money_once(make_program, make_org):
    program = make_program()
    voucher = ledger.voucher_issue(
        actor=None,
        program_version=program.versions.get(),
        org=make_org(),
        voucher_type="general",
        amount_fen=10 * WAN,
        quota_fen=30 * WAN,
        idempotency_key="issue",
    )
    ok, refusals, errors = race(
        lambda i: ledger.voucher_hold(
            actor=None, voucher_id=voucher.pk, amount_fen=WAN, idempotency_key="retried"
        ),
        THREADS,
    )
    assert errors == []
    assert (ok, refusals) == (THREADS, [])
    voucher.refresh_from_db()
    assert voucher.held_fen == WAN
    assert ledger_problems() == []
