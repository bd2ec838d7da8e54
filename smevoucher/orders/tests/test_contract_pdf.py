"""The contract from the template and its signing page."""

from __future__ import annotations

import datetime as dt
import hashlib
import io

import pytest
from pypdf import PdfReader, PdfWriter

from smevoucher.orders.contract_pdf import (
    SIGNATURE_BOXES,
    ContractDocument,
    Party,
    render_contract,
    signable_pdf,
)

WAN = 1_000_000


def _doc(**overrides) -> ContractDocument:
    values = {
        "contract_number": "HT202611241530210001",
        "version": 1,
        "order_number": "ORD202611241530210001",
        "program_name": "广西制造业企业培优育强服务券",
        "enterprise": Party(
            "柳州市示范机械制造有限公司", "91450202MA5N000018", "李建国", "柳州市", "139****0001"
        ),
        "provider": Party("广西数字化转型促进服务有限公司", "91450103MA5N00002L", "黄晓梅"),
        "product_name": "智能制造系统集成",
        "service_content": "MES 系统实施\n设备联网",
        "service_period": "合同签订后90日内",
        "deliverables": "系统上线报告",
        "acceptance": "甲方签署验收单",
        "amount_fen": 30 * WAN,
        "deduction_fen": 9 * WAN,
        "deposit_fen": 42_000_00,
        "final_fen": 168_000_00,
        "payment_terms": "分两次汇款",
        "other_terms": "<b>粗体</b> & 其他",
        "drafted_at": dt.date(2026, 11, 24),
    }
    values.update(overrides)
    return ContractDocument(**values)


def _text(pdf: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_the_worked_example_reads_in_figures_and_uppercase():
    pdf = render_contract(_doc())
    text = _text(pdf)
    for expected in (
        "柳州市示范机械制造有限公司",
        "广西数字化转型促进服务有限公司",
        "ORD202611241530210001",
        "210,000.00",
        "贰拾壹万元整",
        "肆万贰仟元整",
        "壹拾陆万捌仟元整",
    ):
        assert expected in text, expected
    # user text comes out literally, not as markup
    assert "<b>粗体</b> & 其他" in text


def test_the_cjk_font_is_embedded():
    pdf = render_contract(_doc())
    # a TrueType font program inside the file: no CJK font needed where it is opened
    assert b"/FontFile2" in pdf


def test_amounts_must_add_up():
    with pytest.raises(ValueError, match="deposit"):
        _doc(deposit_fen=50_000_00)


def test_the_signing_page_follows_the_body_with_its_hash():
    body = render_contract(_doc())
    pdf = signable_pdf(
        body=body,
        contract_number="HT1",
        version=2,
        order_number="ORD1",
        enterprise_name="甲方企业",
        provider_name="乙方机构",
    )
    pages = PdfReader(io.BytesIO(pdf)).pages
    assert len(pages) == len(PdfReader(io.BytesIO(body)).pages) + 1
    last = pages[-1].extract_text().replace("\n", "").replace(" ", "").replace("\u3000", "")
    digest = hashlib.sha256(body).hexdigest()
    assert digest in last
    assert "合同签署页" in last


def test_the_seal_boxes_lie_on_a4_apart():
    (ax1, ay1, ax2, ay2), (bx1, by1, bx2, by2) = SIGNATURE_BOXES.values()
    for x1, y1, x2, y2 in SIGNATURE_BOXES.values():
        assert 0 <= x1 < x2 <= 595
        assert 0 <= y1 < y2 <= 842
    assert ax2 <= bx1 or bx2 <= ax1 or ay2 <= by1 or by2 <= ay1


def test_an_encrypted_body_is_refused():
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.encrypt("secret")
    buffer = io.BytesIO()
    writer.write(buffer)
    with pytest.raises(ValueError, match="encrypted"):
        signable_pdf(
            body=buffer.getvalue(),
            contract_number="HT1",
            version=1,
            order_number="ORD1",
            enterprise_name="甲",
            provider_name="乙",
        )
