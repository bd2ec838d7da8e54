"""Does every cached figure agree with the ledger? Used by `manage.py ledger_check` and tests."""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Sum
from django.db.models.functions import Coalesce

from .choices import AccountKind, Movement
from .models import (
    EnterpriseUsage,
    LedgerAccount,
    LedgerEntry,
    LedgerTransaction,
    ProviderUsage,
    Voucher,
)


def ledger_problems() -> list[str]:
    problems: list[str] = []

    # Every transaction balances.
    sums = (
        LedgerEntry.objects.values("transaction_id")
        .annotate(total=Sum("amount_fen"))
        .exclude(total=0)
    )
    problems += [
        f"transaction {row['transaction_id']} does not balance ({row['total']})" for row in sums
    ]
    orphans = LedgerTransaction.objects.filter(entries__isnull=True).values_list("pk", flat=True)
    problems += [f"transaction {pk} has no entries" for pk in orphans]

    # Every account's cached balance is the sum of its entries.
    entry_sums = dict(
        LedgerEntry.objects.values_list("account_id").annotate(total=Sum("amount_fen"))
    )
    accounts = list(LedgerAccount.objects.all())
    by_program: dict[int, int] = defaultdict(int)
    treasury: dict[int, int] = defaultdict(int)
    for account in accounts:
        expected = entry_sums.get(account.pk, 0)
        if account.balance_fen != expected:
            problems.append(
                f"account {account} caches {account.balance_fen}, entries say {expected}"
            )
        if account.kind == AccountKind.TREASURY:
            treasury[account.program_id] += expected
        else:
            if expected < 0:
                problems.append(f"account {account} is below zero ({expected})")
            by_program[account.program_id] += expected
    # Conservation: all public money put in is somewhere (budget, vouchers, payable, paid).
    for program_id, funded in treasury.items():
        if -funded != by_program.get(program_id, 0):
            problems.append(
                f"program {program_id}: funded {-funded} but accounts hold {by_program.get(program_id, 0)}"
            )

    # Every voucher's cached figures agree with its accounts and movements.
    account_of = {(a.voucher_id, a.kind): a for a in accounts if a.voucher_id}
    movement_sums = defaultdict(int)
    for voucher_id, movement, total in (
        LedgerTransaction.objects.filter(voucher__isnull=False)
        .values_list("voucher_id", "movement")
        .annotate(total=Sum("amount_fen"))
    ):
        movement_sums[(voucher_id, movement)] = total
    usage_expected: dict[tuple, dict] = defaultdict(
        lambda: {"deducted": 0, "issued": defaultdict(int)}
    )
    for voucher in Voucher.objects.all():
        for kind, cached in (
            (AccountKind.AVAILABLE, voucher.available_fen),
            (AccountKind.HELD, voucher.held_fen),
        ):
            account = account_of.get((voucher.pk, kind))
            actual = entry_sums.get(account.pk, 0) if account else 0
            if cached != actual:
                problems.append(
                    f"voucher {voucher.number} caches {kind}={cached}, ledger says {actual}"
                )
        issued = movement_sums[(voucher.pk, Movement.ISSUE)]
        if voucher.total_fen != issued:
            problems.append(
                f"voucher {voucher.number} total {voucher.total_fen} but issued {issued}"
            )
        used = (
            movement_sums[(voucher.pk, Movement.CAPTURE)]
            - movement_sums[(voucher.pk, Movement.REFUND)]
        )
        if voucher.used_fen != used:
            problems.append(
                f"voucher {voucher.number} used {voucher.used_fen} but captures less refunds are {used}"
            )
        parts = voucher.available_fen + voucher.held_fen + voucher.used_fen + voucher.recalled_fen
        if parts != voucher.total_fen:
            problems.append(
                f"voucher {voucher.number} parts add to {parts}, total {voucher.total_fen}"
            )
        key = (voucher.org_id, voucher.program_id, voucher.year)
        usage_expected[key]["deducted"] += voucher.held_fen + voucher.used_fen
        usage_expected[key]["issued"][voucher.voucher_type] += voucher.total_fen

    # The enterprise counters behind the caps agree with the vouchers.
    for usage in EnterpriseUsage.objects.all():
        expected = usage_expected.get(
            (usage.org_id, usage.program_id, usage.year), {"deducted": 0, "issued": {}}
        )
        if usage.deducted_fen != expected["deducted"]:
            problems.append(
                f"enterprise usage {usage}: deducted {usage.deducted_fen}, vouchers say {expected['deducted']}"
            )
        issued = {k: v for k, v in usage.issued.items() if v}
        if issued != {k: v for k, v in dict(expected["issued"]).items() if v}:
            problems.append(
                f"enterprise usage {usage}: issued {issued}, vouchers say {dict(expected['issued'])}"
            )

    # The provider counters behind the provider caps agree with the orders' movements.
    sign = {Movement.HOLD: 1, Movement.RELEASE: -1, Movement.REFUND: -1, Movement.DISALLOW: -1}
    provider_expected: dict[tuple, dict] = defaultdict(lambda: defaultdict(int))
    for provider_id, year, city, movement, total in (
        LedgerTransaction.objects.filter(provider__isnull=False, movement__in=list(sign))
        .annotate(year=Coalesce("voucher__year", "program__year"))
        .values_list("provider_id", "year", "city_code", "movement")
        .annotate(total=Sum("amount_fen"))
    ):
        provider_expected[(provider_id, year)][city] += sign[movement] * total
    seen = set()
    for usage in ProviderUsage.objects.all():
        key = (usage.provider_id, usage.year)
        seen.add(key)
        by_city = {c: v for c, v in provider_expected.get(key, {}).items() if v}
        cached = {c: int(v) for c, v in usage.by_city.items() if v}
        if cached != by_city or usage.deducted_fen != sum(by_city.values()):
            problems.append(
                f"provider usage {usage}: {usage.deducted_fen} {cached}, ledger says {by_city}"
            )
    for key, by_city in provider_expected.items():
        if key not in seen and any(by_city.values()):
            problems.append(f"provider {key[0]} year {key[1]} has movements but no usage row")
    return problems
