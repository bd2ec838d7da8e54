"""Every movement of voucher value, as double-entry transactions in integer fen.

Rows are locked in one order — the order (in the orders app), program accounts (budget,
then payable), the provider's usage, the enterprise's usage, the voucher — so concurrent
movements serialize without deadlocks. Each movement carries an idempotency key:
the same key again returns the first transaction and moves nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from smevoucher.audit.services import audit_record
from smevoucher.core.errors import DomainError, NotFound
from smevoucher.core.numbers import next_number
from smevoucher.orgs.models import Organization
from smevoucher.programs.models import ProgramVersion

from .choices import AccountKind, Movement, VoucherStatus
from .deduction import provider_headroom, refuse_over_limit
from .models import (
    EnterpriseUsage,
    LedgerAccount,
    LedgerEntry,
    LedgerTransaction,
    ProviderUsage,
    Voucher,
)
from .selectors import voucher_usable_problem, yuan

K = AccountKind


def _key(idempotency_key: str) -> str:
    key = (idempotency_key or "").strip()
    if not key or len(key) > 100:
        raise DomainError("idempotency.key", _("缺少有效的幂等键"), status=400)
    return key


def _replayed(
    key: str, *, movement: str, amount_fen: int, voucher_id: int | None
) -> LedgerTransaction | None:
    """The earlier transaction of this key, if any; a different request under it is refused."""
    earlier = LedgerTransaction.objects.filter(idempotency_key=key).first()
    if earlier is None:
        return None
    if (earlier.movement, earlier.amount_fen, earlier.voucher_id) != (
        movement,
        amount_fen,
        voucher_id,
    ):
        raise DomainError("idempotency.mismatch", _("该幂等键已用于另一笔不同的操作"), status=409)
    return earlier


def _amount(amount_fen: int) -> int:
    if not isinstance(amount_fen, int) or isinstance(amount_fen, bool) or amount_fen <= 0:
        raise DomainError("amount.invalid", _("金额必须为正数（单位：分）"), field="amount")
    return amount_fen


def _program_account(program_id: int, kind: str, *, lock: bool) -> LedgerAccount:
    queryset = LedgerAccount.objects.select_for_update() if lock else LedgerAccount.objects
    account = queryset.filter(program_id=program_id, voucher__isnull=True, kind=kind).first()
    if account is None:
        try:
            with transaction.atomic():
                LedgerAccount.objects.create(program_id=program_id, kind=kind)
        except IntegrityError:
            pass
        account = queryset.get(program_id=program_id, voucher__isnull=True, kind=kind)
    return account


def _voucher_accounts(voucher: Voucher) -> dict[str, LedgerAccount]:
    return {
        a.kind: a
        for a in LedgerAccount.objects.select_for_update().filter(voucher=voucher).order_by("pk")
    }


def _post(
    *,
    program_id: int,
    movement: str,
    amount_fen: int,
    legs: list[tuple[LedgerAccount, int]],
    key: str,
    voucher: Voucher | None = None,
    actor=None,
    ref: str = "",
    memo: str = "",
    record: bool = True,
    provider_id: int | None = None,
    city_code: str = "",
) -> LedgerTransaction:
    """Write one balanced transaction and update the cached balances of its accounts, and
    its audit record unless the calling service writes the one record of its change."""
    if sum(amount for _account, amount in legs) != 0:
        raise AssertionError("ledger legs must sum to zero")
    txn = LedgerTransaction.objects.create(
        program_id=program_id,
        movement=movement,
        voucher=voucher,
        amount_fen=amount_fen,
        idempotency_key=key,
        ref=ref[:100],
        actor=actor if getattr(actor, "pk", None) else None,
        memo=memo[:200],
        provider_id=provider_id,
        city_code=city_code if provider_id else None,
    )
    LedgerEntry.objects.bulk_create(
        [LedgerEntry(transaction=txn, account=a, amount_fen=amt) for a, amt in legs]
    )
    for account, amount in legs:
        account.balance_fen += amount
        if account.kind != K.TREASURY and account.balance_fen < 0:
            raise AssertionError("an account would go below zero")  # guarded by the callers
        account.save(update_fields=["balance_fen"])
    if voucher is not None:
        accounts = {a.kind: a for a, _amt in legs if a.voucher_id == voucher.pk}
        fields = []
        if K.AVAILABLE in accounts:
            voucher.available_fen = accounts[K.AVAILABLE].balance_fen
            fields.append("available_fen")
        if K.HELD in accounts:
            voucher.held_fen = accounts[K.HELD].balance_fen
            fields.append("held_fen")
        return_fields = {"total_fen", "used_fen", "recalled_fen", "status", "recalled_at"}
        voucher.save(update_fields=[*fields, *return_fields])
    if record:
        audit_record(
            actor=actor,
            subject=txn,
            action=f"ledger.{movement}",
            data={
                "amount_fen": amount_fen,
                "voucher": voucher.number if voucher else None,
                "ref": ref,
            },
        )
    return txn


def _usage(org_id: int, program_id: int, year: int) -> EnterpriseUsage:
    usage = (
        EnterpriseUsage.objects.select_for_update()
        .filter(org_id=org_id, program_id=program_id, year=year)
        .first()
    )
    if usage is None:
        try:
            with transaction.atomic():
                EnterpriseUsage.objects.create(org_id=org_id, program_id=program_id, year=year)
        except IntegrityError:
            pass
        usage = EnterpriseUsage.objects.select_for_update().get(
            org_id=org_id, program_id=program_id, year=year
        )
    return usage


def _provider_usage(provider_id: int, year: int) -> ProviderUsage:
    usage = (
        ProviderUsage.objects.select_for_update().filter(provider_id=provider_id, year=year).first()
    )
    if usage is None:
        try:
            with transaction.atomic():
                ProviderUsage.objects.create(provider_id=provider_id, year=year)
        except IntegrityError:
            pass
        usage = ProviderUsage.objects.select_for_update().get(provider_id=provider_id, year=year)
    return usage


def _provider_count(usage: ProviderUsage | None, city_code: str, delta: int) -> None:
    """Move a provider's counters (in all and in the city) by ``delta`` fen."""
    if usage is None:
        return
    usage.deducted_fen += delta
    usage.by_city = {**usage.by_city, city_code: int(usage.by_city.get(city_code, 0)) + delta}
    usage.save(update_fields=["deducted_fen", "by_city"])


@transaction.atomic
def ledger_fund(
    *,
    actor,
    program_id: int,
    amount_fen: int,
    idempotency_key: str,
    memo: str = "",
    record: bool = True,
) -> LedgerTransaction:
    """Put public money into the program's budget (预算拨入). ``record=False`` when the
    calling service (a program's creation or new rules) records the change itself."""
    amount_fen, key = _amount(amount_fen), _key(idempotency_key)
    budget = _program_account(program_id, K.BUDGET, lock=True)
    earlier = _replayed(key, movement=Movement.FUND, amount_fen=amount_fen, voucher_id=None)
    if earlier:
        return earlier
    treasury = _program_account(program_id, K.TREASURY, lock=True)
    return _post(
        program_id=program_id,
        movement=Movement.FUND,
        amount_fen=amount_fen,
        legs=[(treasury, -amount_fen), (budget, amount_fen)],
        key=key,
        actor=actor,
        memo=memo,
        record=record,
    )


@transaction.atomic
def voucher_issue(
    *,
    actor,
    program_version: ProgramVersion,
    org: Organization,
    voucher_type: str,
    amount_fen: int,
    quota_fen: int,
    idempotency_key: str,
    batch_key: str = "",
    use_deadline: dt.date | None = None,
    ref: str = "",
    record: bool = True,
) -> Voucher:
    """Issue a voucher of ``amount_fen``: from the program budget, within the enterprise's
    yearly quota for this voucher type (``quota_fen``; recalled value still counts)."""
    amount_fen, key = _amount(amount_fen), _key(idempotency_key)
    program = program_version.program
    rules = program_version.parsed
    type_rule = rules.voucher_type(voucher_type)
    if type_rule is None:
        raise DomainError("voucher.type_unknown", _("该项目没有此类服务券"), field="voucher_type")
    budget = _program_account(program.pk, K.BUDGET, lock=True)
    usage = _usage(org.pk, program.pk, program.year)
    earlier = (
        LedgerTransaction.objects.filter(idempotency_key=key).select_related("voucher").first()
    )
    if earlier is not None:
        if (earlier.movement, earlier.amount_fen) != (
            Movement.ISSUE,
            amount_fen,
        ) or earlier.voucher.org_id != org.pk:
            raise DomainError(
                "idempotency.mismatch", _("该幂等键已用于另一笔不同的操作"), status=409
            )
        return earlier.voucher
    issued = int(usage.issued.get(voucher_type, 0))
    if issued + amount_fen > quota_fen:
        raise DomainError(
            "voucher.quota_exceeded",
            _("超出该企业本年度%(type)s额度：已发放%(issued)s元，额度%(quota)s元")
            % {"type": type_rule.name, "issued": yuan(issued), "quota": yuan(quota_fen)},
        )
    if budget.balance_fen < amount_fen:
        raise DomainError(
            "program.budget_exhausted",
            _("项目预算不足：剩余可分配%(left)s元") % {"left": yuan(budget.balance_fen)},
        )
    voucher = Voucher(
        number=next_number("SVC"),
        program=program,
        program_version=program_version,
        org=org,
        year=program.year,
        voucher_type=voucher_type,
        type_name=type_rule.name,
        kind=type_rule.kind,
        valid_from=type_rule.valid_from,
        valid_until=type_rule.valid_until,
        batch_key=batch_key,
        use_deadline=use_deadline,
    )
    voucher.save(force_insert=True)
    available = LedgerAccount.objects.create(program=program, voucher=voucher, kind=K.AVAILABLE)
    LedgerAccount.objects.create(program=program, voucher=voucher, kind=K.HELD)
    voucher.total_fen = amount_fen
    _post(
        program_id=program.pk,
        movement=Movement.ISSUE,
        amount_fen=amount_fen,
        legs=[(budget, -amount_fen), (available, amount_fen)],
        key=key,
        voucher=voucher,
        actor=actor,
        ref=ref,
        record=record,
    )
    usage.issued = {**usage.issued, voucher_type: issued + amount_fen}
    usage.save(update_fields=["issued"])
    return voucher


def _voucher_locked(voucher_id: int) -> Voucher:
    voucher = Voucher.objects.select_for_update().filter(pk=voucher_id).first()
    if voucher is None:
        raise NotFound()
    return voucher


# Program accounts are locked before the enterprise's usage row and the voucher, always
# in this order, so that concurrent movements never wait on each other in a circle.
_PROGRAM_LOCK_ORDER = (K.BUDGET, K.PAYABLE)


@dataclass
class _Locked:
    amount: int
    key: str
    voucher: Voucher
    usage: EnterpriseUsage | None
    program_accounts: dict[str, LedgerAccount]
    earlier: LedgerTransaction | None
    provider_usage: ProviderUsage | None = None


def _lock_for(
    *,
    voucher_id: int,
    movement: str,
    amount_fen: int,
    idempotency_key: str,
    program_accounts=(),
    usage=False,
    provider_id: int | None = None,
) -> _Locked:
    """Check the input, lock what the movement touches in the one order, find a replay."""
    amount_fen, key = _amount(amount_fen), _key(idempotency_key)
    peek = Voucher.objects.filter(pk=voucher_id).values("org_id", "program_id", "year").first()
    if peek is None:
        raise NotFound()
    locked = {
        kind: _program_account(peek["program_id"], kind, lock=True)
        for kind in _PROGRAM_LOCK_ORDER
        if kind in program_accounts
    }
    provider_row = _provider_usage(provider_id, peek["year"]) if provider_id else None
    usage_row = _usage(peek["org_id"], peek["program_id"], peek["year"]) if usage else None
    voucher = _voucher_locked(voucher_id)
    earlier = _replayed(key, movement=movement, amount_fen=amount_fen, voucher_id=voucher.pk)
    return _Locked(amount_fen, key, voucher, usage_row, locked, earlier, provider_row)


def deduction_rows_locked(
    *, voucher_id: int, provider_id: int
) -> tuple[ProviderUsage, EnterpriseUsage, Voucher]:
    """Lock, in the ledger's order, the rows an order's deduction is computed from: the
    provider's usage, the enterprise's usage and the voucher (counters are created empty
    on first use). Call inside the order's transaction, before `voucher_hold`."""
    peek = Voucher.objects.filter(pk=voucher_id).values("org_id", "program_id", "year").first()
    if peek is None:
        raise NotFound()
    provider_row = _provider_usage(provider_id, peek["year"])
    usage_row = _usage(peek["org_id"], peek["program_id"], peek["year"])
    return provider_row, usage_row, _voucher_locked(voucher_id)


def _give_back(locked: _Locked, amount: int) -> LedgerAccount:
    """Where released or refunded value goes: the voucher while it is usable, else the budget."""
    voucher = locked.voucher
    if voucher.status == VoucherStatus.ACTIVE:
        return _voucher_accounts(voucher)[K.AVAILABLE]
    voucher.recalled_fen += amount
    return locked.program_accounts[K.BUDGET]


@transaction.atomic
def voucher_hold(
    *,
    actor,
    voucher_id: int,
    amount_fen: int,
    idempotency_key: str,
    ref: str = "",
    cap_fen: int | None = None,
    provider=None,
    city_code: str = "",
    record: bool = True,
    rules=None,
) -> LedgerTransaction:
    """Hold part of a voucher for an order (下单冻结), within the enterprise's annual
    deduction cap ``cap_fen`` (None: the cap of ``rules``, else of the voucher's rules) and,
    for an order of ``provider`` from an enterprise of ``city_code``, within the provider
    caps of ``rules``."""
    locked = _lock_for(
        voucher_id=voucher_id,
        movement=Movement.HOLD,
        amount_fen=amount_fen,
        idempotency_key=idempotency_key,
        usage=True,
        provider_id=provider.pk if provider is not None else None,
    )
    if locked.earlier:
        return locked.earlier
    amount_fen, key, voucher, usage = locked.amount, locked.key, locked.voucher, locked.usage
    problem = voucher_usable_problem(voucher)
    if problem:
        raise DomainError("voucher.unusable", problem, status=409)
    if amount_fen > voucher.available_fen:
        raise DomainError(
            "voucher.insufficient",
            _("服务券余额不足：可用%(left)s元") % {"left": yuan(voucher.available_fen)},
            status=409,
        )
    rules = rules or voucher.program_version.parsed
    if cap_fen is None:
        cap_fen = rules.enterprise_annual_deduction_cap_fen
    if cap_fen is not None and usage.deducted_fen + amount_fen > cap_fen:
        raise DomainError(
            "enterprise.annual_cap",
            _("超出企业年度抵扣上限：本年度已抵扣或冻结%(used)s元，上限%(cap)s元")
            % {"used": yuan(usage.deducted_fen), "cap": yuan(cap_fen)},
            status=409,
        )
    if provider is not None:
        headroom = provider_headroom(
            provider=provider,
            rules=rules,
            city_code=city_code,
            year=voucher.year,
            usage=locked.provider_usage,
        )
        refuse_over_limit(headroom.limits(), amount_fen)
    accounts = _voucher_accounts(voucher)
    txn = _post(
        program_id=voucher.program_id,
        movement=Movement.HOLD,
        amount_fen=amount_fen,
        legs=[(accounts[K.AVAILABLE], -amount_fen), (accounts[K.HELD], amount_fen)],
        key=key,
        voucher=voucher,
        actor=actor,
        ref=ref,
        provider_id=provider.pk if provider is not None else None,
        city_code=city_code,
        record=record,
    )
    usage.deducted_fen += amount_fen
    usage.save(update_fields=["deducted_fen"])
    _provider_count(locked.provider_usage, city_code, amount_fen)
    return txn


@transaction.atomic
def voucher_release(
    *,
    actor,
    voucher_id: int,
    amount_fen: int,
    idempotency_key: str,
    ref: str = "",
    provider_id: int | None = None,
    city_code: str = "",
    record: bool = True,
) -> LedgerTransaction:
    """Give back what an order held (取消释放). On a voucher already recalled or expired the
    value goes back to the program budget instead. The provider's counters (of an order's
    hold) go down with it."""
    locked = _lock_for(
        voucher_id=voucher_id,
        movement=Movement.RELEASE,
        amount_fen=amount_fen,
        idempotency_key=idempotency_key,
        program_accounts=(K.BUDGET,),
        usage=True,
        provider_id=provider_id,
    )
    if locked.earlier:
        return locked.earlier
    amount_fen, key, voucher, usage = locked.amount, locked.key, locked.voucher, locked.usage
    if amount_fen > voucher.held_fen:
        raise DomainError("voucher.release_too_much", _("释放金额超过冻结金额"), status=409)
    accounts = _voucher_accounts(voucher)
    target = _give_back(locked, amount_fen)
    txn = _post(
        program_id=voucher.program_id,
        movement=Movement.RELEASE,
        amount_fen=amount_fen,
        legs=[(accounts[K.HELD], -amount_fen), (target, amount_fen)],
        key=key,
        voucher=voucher,
        actor=actor,
        ref=ref,
        provider_id=provider_id,
        city_code=city_code,
        record=record,
    )
    usage.deducted_fen -= amount_fen
    usage.save(update_fields=["deducted_fen"])
    _provider_count(locked.provider_usage, city_code, -amount_fen)
    return txn


@transaction.atomic
def voucher_capture(
    *,
    actor,
    voucher_id: int,
    amount_fen: int,
    idempotency_key: str,
    ref: str = "",
    provider_id: int | None = None,
    city_code: str = "",
    record: bool = True,
) -> LedgerTransaction:
    """The held deduction becomes used at payment (支付抵扣), owed to the provider."""
    locked = _lock_for(
        voucher_id=voucher_id,
        movement=Movement.CAPTURE,
        amount_fen=amount_fen,
        idempotency_key=idempotency_key,
        program_accounts=(K.PAYABLE,),
    )
    if locked.earlier:
        return locked.earlier
    amount_fen, key, voucher = locked.amount, locked.key, locked.voucher
    payable = locked.program_accounts[K.PAYABLE]
    if amount_fen > voucher.held_fen:
        raise DomainError("voucher.capture_too_much", _("抵扣金额超过冻结金额"), status=409)
    accounts = _voucher_accounts(voucher)
    voucher.used_fen += amount_fen
    return _post(
        program_id=voucher.program_id,
        movement=Movement.CAPTURE,
        amount_fen=amount_fen,
        legs=[(accounts[K.HELD], -amount_fen), (payable, amount_fen)],
        key=key,
        voucher=voucher,
        actor=actor,
        ref=ref,
        provider_id=provider_id,
        city_code=city_code,
        record=record,
    )


@transaction.atomic
def voucher_refund(
    *,
    actor,
    voucher_id: int,
    amount_fen: int,
    idempotency_key: str,
    ref: str = "",
    provider_id: int | None = None,
    city_code: str = "",
    record: bool = True,
) -> LedgerTransaction:
    """A refunded order gives its deduction back to the voucher (not yet redeemed value only)."""
    locked = _lock_for(
        voucher_id=voucher_id,
        movement=Movement.REFUND,
        amount_fen=amount_fen,
        idempotency_key=idempotency_key,
        program_accounts=(K.BUDGET, K.PAYABLE),
        usage=True,
        provider_id=provider_id,
    )
    if locked.earlier:
        return locked.earlier
    amount_fen, key, voucher, usage = locked.amount, locked.key, locked.voucher, locked.usage
    payable = locked.program_accounts[K.PAYABLE]
    if amount_fen > voucher.used_fen or amount_fen > payable.balance_fen:
        raise DomainError(
            "voucher.refund_too_much", _("退回金额超过已抵扣且未兑现的金额"), status=409
        )
    voucher.used_fen -= amount_fen
    target = _give_back(locked, amount_fen)
    txn = _post(
        program_id=voucher.program_id,
        movement=Movement.REFUND,
        amount_fen=amount_fen,
        legs=[(payable, -amount_fen), (target, amount_fen)],
        key=key,
        voucher=voucher,
        actor=actor,
        ref=ref,
        provider_id=provider_id,
        city_code=city_code,
        record=record,
    )
    usage.deducted_fen -= amount_fen
    usage.save(update_fields=["deducted_fen"])
    _provider_count(locked.provider_usage, city_code, -amount_fen)
    return txn


@transaction.atomic
def voucher_recall(
    *, actor, voucher_id: int, reason: str, idempotency_key: str, expired: bool = False
) -> Voucher:
    """Recall what is left on a voucher to the program budget (回收): past its batch deadline
    or its validity. What orders hold stays held until they are cancelled or paid."""
    key = _key(idempotency_key)
    peek = Voucher.objects.filter(pk=voucher_id).values("program_id").first()
    if peek is None:
        raise NotFound()
    budget = _program_account(peek["program_id"], K.BUDGET, lock=True)
    voucher = _voucher_locked(voucher_id)
    earlier = LedgerTransaction.objects.filter(idempotency_key=key).first()
    if earlier is not None:
        if (earlier.movement, earlier.voucher_id) != (Movement.RECALL, voucher.pk):
            raise DomainError(
                "idempotency.mismatch", _("该幂等键已用于另一笔不同的操作"), status=409
            )
        return voucher
    if voucher.status != VoucherStatus.ACTIVE:
        raise DomainError("voucher.not_active", _("该服务券已回收或过期"), status=409)
    amount = voucher.available_fen
    voucher.status = VoucherStatus.EXPIRED if expired else VoucherStatus.RECALLED
    voucher.recalled_at = timezone.now()
    voucher.recalled_fen += amount
    if amount:
        accounts = _voucher_accounts(voucher)
        _post(
            program_id=voucher.program_id,
            movement=Movement.RECALL,
            amount_fen=amount,
            legs=[(accounts[K.AVAILABLE], -amount), (budget, amount)],
            key=key,
            voucher=voucher,
            actor=actor,
            memo=reason,
        )
    else:
        voucher.save(update_fields=["status", "recalled_at", "recalled_fen"])
        audit_record(
            actor=actor,
            subject=voucher,
            action="ledger.recall",
            to_state=voucher.status,
            reason=reason,
        )
    return voucher


@transaction.atomic
def ledger_redeem(
    *,
    actor,
    program_id: int,
    amount_fen: int,
    idempotency_key: str,
    ref: str = "",
    provider_id: int | None = None,
    record: bool = True,
) -> LedgerTransaction:
    """Pay out deducted value to a provider (兑现拨付)."""
    amount_fen, key = _amount(amount_fen), _key(idempotency_key)
    payable = _program_account(program_id, K.PAYABLE, lock=True)
    earlier = _replayed(key, movement=Movement.REDEEM, amount_fen=amount_fen, voucher_id=None)
    if earlier:
        return earlier
    if amount_fen > payable.balance_fen:
        raise DomainError("redeem.too_much", _("兑现金额超过已抵扣待兑现金额"), status=409)
    paid = _program_account(program_id, K.PAID, lock=True)
    return _post(
        program_id=program_id,
        movement=Movement.REDEEM,
        amount_fen=amount_fen,
        legs=[(payable, -amount_fen), (paid, amount_fen)],
        key=key,
        actor=actor,
        ref=ref,
        provider_id=provider_id,
        record=record,
    )


@transaction.atomic
def ledger_disallow(
    *,
    actor,
    program_id: int,
    amount_fen: int,
    idempotency_key: str,
    provider_id: int,
    city_code: str,
    ref: str = "",
    record: bool = True,
) -> LedgerTransaction:
    """Take back the part of a redemption the reviewers cut (兑现核减): deducted value the
    provider will not be paid returns from payable to the program budget, and no longer
    counts against the provider's caps."""
    amount_fen, key = _amount(amount_fen), _key(idempotency_key)
    budget = _program_account(program_id, K.BUDGET, lock=True)
    payable = _program_account(program_id, K.PAYABLE, lock=True)
    earlier = _replayed(key, movement=Movement.DISALLOW, amount_fen=amount_fen, voucher_id=None)
    if earlier:
        return earlier
    from smevoucher.programs.models import Program

    year = Program.objects.filter(pk=program_id).values_list("year", flat=True).get()
    usage = _provider_usage(provider_id, year)
    if amount_fen > payable.balance_fen:
        raise DomainError("redeem.too_much", _("核减金额超过已抵扣待兑现金额"), status=409)
    txn = _post(
        program_id=program_id,
        movement=Movement.DISALLOW,
        amount_fen=amount_fen,
        legs=[(payable, -amount_fen), (budget, amount_fen)],
        key=key,
        actor=actor,
        ref=ref,
        provider_id=provider_id,
        city_code=city_code,
        record=record,
    )
    _provider_count(usage, city_code, -amount_fen)
    return txn
