"""Given: a Guangxi-rules program, an admitted provider with products on sale, an enterprise
in Liuzhou with a voucher; helpers to drive an order through its steps."""

from __future__ import annotations

import io
import itertools

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from smevoucher.catalog.tests.conftest import (  # noqa: F401  shared fixtures
    WAN,
    YUAN,
    _media,
    enterprise_org,
    issue_voucher,
    make_product,
    make_provider,
    pdf_file,
    product_input,
    program,
    provider,
    provider_org,
    provider_user,
    range_input,
)

_keys = itertools.count(1)


def key() -> str:
    return f"test-order-{next(_keys)}"


def png_file(name: str = "转账凭证.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


@pytest.fixture
def enterprise(enterprise_org):
    return enterprise_org.owner


@pytest.fixture
def range_product(make_product):
    """A range-priced product whose top tier is the manual's 300,000 yuan service."""
    return make_product("on_sale", data=range_input())


@pytest.fixture
def top_tier(range_product):
    return range_product.tiers.order_by("-price_fen").first()


@pytest.fixture
def voucher(program, enterprise_org, issue_voucher):
    return issue_voucher(program, enterprise_org, 30 * WAN)


@pytest.fixture
def send_code(settings, django_capture_on_commit_callbacks):
    """``send_code(phone, purpose)``: send an SMS code through the outbox and read it back."""
    import re

    from smevoucher.accounts.services import sms_code_send
    from smevoucher.notifications.models import SmsOutbox

    settings.SMS_RESEND_SECONDS = 0

    def send(phone: str, purpose: str) -> str:
        with django_capture_on_commit_callbacks(execute=True):
            sms_code_send(phone=phone, purpose=purpose, ip_address=None)
        text = SmsOutbox.objects.filter(phone=phone).order_by("-pk").first().text
        return re.search(r"\d{6}", text).group(0)

    return send


@pytest.fixture
def drive(enterprise, provider_user, send_code, province_reviewer):
    """``drive(order, to=status)``: take an order along its flow through the services."""
    from smevoucher.orders.demo import advance

    def go(order, *, to):
        return advance(
            order,
            to=to,
            enterprise_user=enterprise,
            provider_user=provider_user,
            send_code=send_code,
            reviewer=province_reviewer,
        )

    return go
