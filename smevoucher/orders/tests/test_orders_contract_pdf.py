"""The service contract PDF (服务合同) and its signing page (合同签署页), without a database."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import io
import shutil
import subprocess

import pytest
from pypdf import PdfReader, PdfWriter

from smevoucher.orders.contract_pdf import (
    SIGNATURE_BOXES,
    ContractDocument,
    Party,
    render_contract,
    signable_pdf,
    signing_page,
)

A4_WIDTH, A4_HEIGHT = 595, 842
ENTERPRISE = "柳州市示范机械制造有限公司"
PROVIDER = "广西数字化转型促进服务有限公司"


def _doc(**overrides) -> ContractDocument:
    # the worked example: 300,000 yuan, 90,000 paid by the voucher, 210,000 paid as
    # a 42,000 deposit and a 168,000 final payment
    values = {
        "contract_number": "HT2611241530210001",
        "version": 2,
        "order_number": "ORD261124153021001",
        "program_name": "广西制造业企业培优育强服务券 2026",
        "enterprise": Party(
            ENTERPRISE, "91450202MA5N000018", "李建国", "柳州市柳南区航一路1号", "王*明 139****0001"
        ),
        "provider": Party(PROVIDER, "91450103MA5N00002L", "黄晓梅", "南宁市青秀区民族大道100号"),
        "product_name": "智能制造系统集成",
        "service_content": "第一行：MES 系统实施\n第二行：设备联网",
        "service_period": "2026年12月1日至2027年3月31日",
        "deliverables": "系统上线报告",
        "acceptance": "甲方签署验收单",
        "amount_fen": 30_000_000,
        "deduction_fen": 9_000_000,
        "deposit_fen": 4_200_000,
        "final_fen": 16_800_000,
        "payment_terms": "分次汇款",
        "other_terms": "<b>粗体</b> & 其他",
        "drafted_at": dt.date(2026, 11, 24),
    }
    values.update(overrides)
    return ContractDocument(**values)


def _sign(body: bytes, **overrides) -> bytes:
    values = {
        "body": body,
        "contract_number": "HT2611241530210001",
        "version": 2,
        "order_number": "ORD261124153021001",
        "enterprise_name": ENTERPRISE,
        "provider_name": PROVIDER,
    }
    values.update(overrides)
    return signable_pdf(**values)


def _reader(pdf: bytes) -> PdfReader:
    return PdfReader(io.BytesIO(pdf))


def _text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in _reader(pdf).pages)


@pytest.fixture(scope="module")
def contract() -> bytes:
    return render_contract(_doc())


@pytest.fixture(scope="module")
def signable(contract) -> bytes:
    return _sign(contract)


def test_the_worked_example_names_the_parties_and_the_amounts(contract):
    assert contract.startswith(b"%PDF-")
    text = _text(contract)
    for expected in (
        "服务合同",
        "HT2611241530210001",
        "ORD261124153021001",
        ENTERPRISE,
        PROVIDER,
        "91450202MA5N000018",
        "300,000.00",
        "叁拾万元整",
        "90,000.00",
        "玖万元整",
        "210,000.00",
        "贰拾壹万元整",
        "42,000.00",
        "肆万贰仟元整",
        "168,000.00",
        "壹拾陆万捌仟元整",
        "一、服务内容",
        "二、交付成果与验收标准",
        "三、合同金额与支付方式",
        "四、服务券使用说明",
        "五、其他约定",
        "六、合同生效",
        "对公转账",
        "签章验证",
        "第 1 页",
    ):
        assert expected in text, expected


def test_user_text_comes_out_literally_with_its_line_breaks(contract):
    text = _text(contract)
    assert "<b>粗体</b> & 其他" in text
    lines = [line.strip() for line in text.splitlines()]
    assert "第一行：MES 系统实施" in lines
    assert "第二行：设备联网" in lines


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")
def test_poppler_reads_the_chinese_text_too(contract):
    text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", "-", "-"],
        input=contract,
        capture_output=True,
        check=True,
        timeout=30,
    ).stdout.decode()
    for expected in (ENTERPRISE, PROVIDER, "贰拾壹万元整", "210,000.00", "ORD261124153021001"):
        assert expected in text, expected


def _fonts(pdf: bytes):
    for page in _reader(pdf).pages:
        for font in page["/Resources"]["/Font"].values():
            yield font.get_object()


def test_every_font_is_embedded(contract, signable):
    for pdf in (contract, signable):
        fonts = list(_fonts(pdf))
        assert fonts
        for font in fonts:
            # a TrueType font program in the file: nothing needed where it is opened
            assert "/FontFile2" in font["/FontDescriptor"], font.get("/BaseFont")


def test_the_metadata_names_the_contract(contract):
    meta = _reader(contract).metadata
    assert meta.title == "服务合同 HT2611241530210001"
    assert meta.author == "smevoucher"


def test_amounts_must_add_up():
    with pytest.raises(ValueError, match="deposit"):
        _doc(deposit_fen=5_000_000)
    with pytest.raises(ValueError, match="deposit"):
        _doc(deduction_fen=0)
    doc = _doc(deduction_fen=0, deposit_fen=6_000_000, final_fen=24_000_000)
    assert doc.deposit_fen + doc.final_fen == doc.amount_fen
    with pytest.raises(dataclasses.FrozenInstanceError):
        doc.amount_fen = 1  # type: ignore[misc]


def test_long_text_runs_over_several_pages():
    pdf = render_contract(_doc(service_content="服务内容很长。" * 600))
    reader = _reader(pdf)
    assert len(reader.pages) > 1
    assert "第 2 页" in reader.pages[1].extract_text()


def test_the_signing_page_follows_the_body_with_its_hash(contract, signable):
    body_pages = len(_reader(contract).pages)
    pages = _reader(signable).pages
    assert len(pages) == body_pages + 1
    last = pages[-1].extract_text()
    assert hashlib.sha256(contract).hexdigest() in last  # whole, on one line
    for expected in (
        "合同签署页",
        "HT2611241530210001",
        "ORD261124153021001",
        f"共 {body_pages} 页",
        "甲方（盖章）",
        "乙方（盖章）",
        ENTERPRISE,
        PROVIDER,
    ):
        assert expected in last, expected
    # the body's pages are carried over unchanged
    for before, after in zip(_reader(contract).pages, pages, strict=False):
        assert before.extract_text() == after.extract_text()


def test_an_uploaded_body_gets_the_signing_page_too():
    writer = PdfWriter()
    for _ in range(3):
        writer.add_blank_page(width=A4_WIDTH, height=A4_HEIGHT)
    buffer = io.BytesIO()
    writer.write(buffer)
    body = buffer.getvalue()
    pdf = _sign(body, enterprise_name="A & <B> 公司")
    reader = _reader(pdf)
    assert len(reader.pages) == 4
    assert not reader.is_encrypted
    last = reader.pages[-1].extract_text()
    assert hashlib.sha256(body).hexdigest() in last
    assert "共 3 页" in last
    assert "A & <B> 公司" in last


def test_the_signable_pdf_takes_an_incremental_signature_field(signable):
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields

    last = len(_reader(signable).pages) - 1
    writer = IncrementalPdfFileWriter(io.BytesIO(signable))
    for name, side in (("SignatureB", "provider"), ("SignatureA", "enterprise")):
        fields.append_signature_field(
            writer,
            fields.SigFieldSpec(sig_field_name=name, on_page=last, box=SIGNATURE_BOXES[side]),
        )
    out = io.BytesIO()
    writer.write(out)
    updated = out.getvalue()
    assert updated.startswith(signable)  # an update appended, the original bytes kept
    assert len(_reader(updated).pages) == last + 1


def _overlap(a, b) -> bool:
    ax1, ay1, ax2, ay2 = a
    bx1, by1, bx2, by2 = b
    return ax1 < bx2 and bx1 < ax2 and ay1 < by2 and by1 < ay2


def test_the_seal_boxes_lie_in_the_lower_half_of_a4_apart():
    assert set(SIGNATURE_BOXES) == {"enterprise", "provider"}
    for x1, y1, x2, y2 in SIGNATURE_BOXES.values():
        assert 0 <= x1 < x2 <= A4_WIDTH
        assert 0 <= y1 < y2 <= A4_HEIGHT / 2
        assert 140 <= x2 - x1 <= 170
        assert 140 <= y2 - y1 <= 170
    assert not _overlap(SIGNATURE_BOXES["enterprise"], SIGNATURE_BOXES["provider"])


def test_no_text_is_drawn_inside_the_seal_boxes():
    pdf = signing_page(
        contract_number="HT2611241530210001",
        version=1,
        order_number="ORD261124153021001",
        enterprise_name="某某" * 30,  # a long name wraps below its box
        provider_name=PROVIDER,
        body_sha256="0" * 64,
        body_pages=7,
    )
    reader = _reader(pdf)
    assert len(reader.pages) == 1
    page = reader.pages[0]
    assert [round(float(v)) for v in page.mediabox] == [0, 0, A4_WIDTH, A4_HEIGHT]
    origins = []

    def visit(text, cm, tm, font, size):
        if text.strip():
            x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
            y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
            origins.append((text, x, y, size))

    page.extract_text(visitor_text=visit)
    assert origins
    for text, x, y, size in origins:
        line = (x, y - 0.25 * size, x + 1, y + size)  # the line's height at its start
        for box in SIGNATURE_BOXES.values():
            assert not _overlap(line, box), text


def test_an_encrypted_or_damaged_body_is_refused():
    writer = PdfWriter()
    writer.add_blank_page(width=A4_WIDTH, height=A4_HEIGHT)
    writer.encrypt("secret")
    buffer = io.BytesIO()
    writer.write(buffer)
    with pytest.raises(ValueError, match="encrypted"):
        _sign(buffer.getvalue())
    with pytest.raises(ValueError, match="unreadable"):
        _sign(b"%PDF-1.4\nnot really a pdf")
