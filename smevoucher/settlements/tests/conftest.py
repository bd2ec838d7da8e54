"""Given: a provider with evaluated orders (the orders' own fixtures), four staff for the
four review steps, and helpers to build and move claims."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from pypdf import PdfWriter

from smevoucher.orders.tests.conftest import (  # noqa: F401  shared fixtures
    WAN,
    _media,
    drive,
    enterprise,
    enterprise_org,
    issue_voucher,
    key,
    make_product,
    make_provider,
    program,
    provider,
    provider_org,
    provider_user,
    range_product,
    send_code,
    top_tier,
    voucher,
)


def pdf_file(name: str = "发票.pdf") -> SimpleUploadedFile:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="application/pdf")


@pytest.fixture
def evaluated_orders(drive, enterprise, range_product, top_tier, voucher):
    """Two evaluated orders of 90,000 voucher value each (300,000 services at 30%)."""
    from smevoucher.orders import services as orders
    from smevoucher.orders.choices import OrderStatus

    made = []
    for _n in range(2):
        order = orders.order_place(
            actor=enterprise,
            product_id=range_product.pk,
            tier_id=top_tier.pk,
            voucher_id=voucher.pk,
            idempotency_key=key(),
        )
        made.append(drive(order, to=OrderStatus.EVALUATED))
    return made


@pytest.fixture
def lines_for(provider_user):
    """``lines_for(orders)``: claim lines with uploaded invoices, one per order."""
    import datetime as dt

    from smevoucher.settlements.services import LineInput
    from smevoucher.uploads.services import upload_create

    def make(orders):
        return [
            LineInput(
                order_id=order.pk,
                invoice_number=f"0445{order.pk:04d}",
                invoice_amount_fen=order.captured_fen,
                invoice_date=dt.date.today(),
                invoice_upload_id=str(
                    upload_create(
                        actor=provider_user, uploaded=pdf_file(), purpose="claim_invoice"
                    ).pk
                ),
            )
            for order in orders
        ]

    return make


@pytest.fixture
def submitted_claim(provider_user, evaluated_orders, lines_for):
    from smevoucher.settlements import services
    from smevoucher.uploads.services import upload_create

    claim = services.claim_create(
        actor=provider_user,
        program_id=evaluated_orders[0].program_id,
        lines=lines_for(evaluated_orders),
    )
    stamped = upload_create(
        actor=provider_user, uploaded=pdf_file("申请表盖章.pdf"), purpose="claim_material"
    )
    services.claim_update(actor=provider_user, claim_id=claim.pk, stamped_form_id=str(stamped.pk))
    return services.claim_submit(actor=provider_user, claim_id=claim.pk)


@pytest.fixture
def chain_staff(make_staff, liuzhou_reviewer, province_reviewer):
    """The four people of the four steps."""
    return [
        liuzhou_reviewer,
        province_reviewer,
        make_staff(region_code="45", roles=("approver",), phone="13800000046"),
        make_staff(region_code="45", roles=("finance",), phone="13800000047"),
    ]
