"""The vouchers of the organization the user acts for, with their ledger."""

from __future__ import annotations

from ninja import Path, Router

from smevoucher.core.access import ENT_A, LOGIN_REQUIRED, access, own
from smevoucher.core.errors import NotFound
from smevoucher.orgs.selectors import org_acting_for
from smevoucher.quotas.api import _voucher
from smevoucher.quotas.schemas import VoucherOut

from .models import Voucher
from .schemas import VoucherDetailOut

router = Router(tags=["服务券"])


def _mine(request):
    org = org_acting_for(request.auth)
    return Voucher.objects.filter(org=org) if org else Voucher.objects.none()


@router.get("/mine", response=list[VoucherOut], summary="我的服务券")
@access(LOGIN_REQUIRED)
def mine(request):
    return [_voucher(v) for v in _mine(request)]


@router.get("/mine/{number}", response=VoucherDetailOut, summary="服务券详情与收支明细")
@access(own(ENT_A), sample="voucher")
def detail(request, number: str = Path(..., max_length=30)):
    voucher = _mine(request).select_related("program").filter(number=number).first()
    if voucher is None:
        raise NotFound()
    transactions = voucher.transactions.prefetch_related("entries__account").order_by(
        "created_at", "pk"
    )
    return {
        **_voucher(voucher),
        "program_name": voucher.program.name,
        "transactions": [
            {
                "at": t.created_at,
                "movement": t.movement,
                "movement_label": t.get_movement_display(),
                "amount_fen": t.amount_fen,
                "ref": t.ref,
                "memo": t.memo,
                "legs": [
                    {"account": e.account.kind, "amount_fen": e.amount_fen} for e in t.entries.all()
                ],
            }
            for t in transactions
        ],
    }
