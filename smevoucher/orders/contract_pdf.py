"""The service contract (服务合同) as a PDF from the platform's template, and the signing page
(合同签署页) appended to any contract body before the two e-signatures.

Chinese text is set in an embedded TrueType CJK font (`core.fonts.cjk_font`); money is
integer fen, shown in figures and in uppercase RMB. The e-seals are stamped later by
pyHanko into `SIGNATURE_BOXES` on the signing page, which is always the last page.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from dataclasses import dataclass
from xml.sax.saxutils import escape

from pypdf import PdfReader, PdfWriter
from pypdf.errors import PyPdfError
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas as pdf_canvas
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from smevoucher.core.fonts import reportlab_cjk
from smevoucher.core.money import rmb_upper, yuan

FONT = "CJK"
PAGE_WIDTH, PAGE_HEIGHT = A4  # 595 x 842 points

# Where each party's e-seal goes on the signing page: (x1, y1, x2, y2) in PDF points.
SIGNATURE_BOXES: dict[str, tuple[int, int, int, int]] = {
    "enterprise": (90, 250, 250, 410),  # 甲方（盖章）, left
    "provider": (345, 250, 505, 410),  # 乙方（盖章）, right
}


@dataclass(frozen=True)
class Party:
    name: str
    uscc: str
    legal_rep: str
    address: str = ""
    contact: str = ""  # already masked by the caller


@dataclass(frozen=True)
class ContractDocument:
    contract_number: str
    version: int
    order_number: str
    program_name: str
    enterprise: Party  # 甲方
    provider: Party  # 乙方
    product_name: str
    service_content: str
    service_period: str
    deliverables: str
    acceptance: str
    amount_fen: int
    deduction_fen: int
    deposit_fen: int
    final_fen: int
    payment_terms: str
    other_terms: str
    drafted_at: dt.date

    def __post_init__(self):
        if self.deposit_fen + self.final_fen != self.amount_fen - self.deduction_fen:
            raise ValueError("deposit + final must equal the amount less the deduction")
        if min(self.amount_fen, self.deposit_fen, self.final_fen, self.deduction_fen) < 0:
            raise ValueError("amounts must not be negative")


def _font() -> str:
    return reportlab_cjk()


def _styles() -> dict[str, ParagraphStyle]:
    font = _font()
    return {
        "title": ParagraphStyle("title", fontName=font, fontSize=20, leading=28, alignment=1),
        "meta": ParagraphStyle("meta", fontName=font, fontSize=9, leading=13, alignment=1),
        "h": ParagraphStyle("h", fontName=font, fontSize=12, leading=18, spaceBefore=10),
        # CJK wrapping breaks between any two characters: long unspaced user text still fits
        "body": ParagraphStyle("body", fontName=font, fontSize=10, leading=16, wordWrap="CJK"),
        "cell": ParagraphStyle("cell", fontName=font, fontSize=9.5, leading=14, wordWrap="CJK"),
    }


def _text(value: str) -> str:
    """User text, escaped for reportlab's markup, line breaks kept."""
    return escape(value or "—").replace("\n", "<br/>")


def _money(fen: int) -> str:
    return f"{yuan(fen)} 元（{rmb_upper(fen)}）"


def _table(rows, widths, style) -> Table:
    cells = [[Paragraph(c if isinstance(c, str) else str(c), style) for c in row] for row in rows]
    table = Table(cells, colWidths=widths)
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), _font()),  # else the cells name Helvetica
                ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
                ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#f3f4f6")),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ]
        )
    )
    return table


def _footer(contract_number: str):
    def draw(canvas, doc) -> None:
        canvas.saveState()
        canvas.setFont(_font(), 8)
        canvas.drawCentredString(
            PAGE_WIDTH / 2, 12 * mm, f"合同编号 {contract_number}    第 {doc.page} 页"
        )
        canvas.restoreState()

    return draw


def render_contract(doc: ContractDocument) -> bytes:
    """The contract from the platform's template, as PDF bytes."""
    s = _styles()
    buffer = io.BytesIO()
    page = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=18 * mm,
        bottomMargin=20 * mm,
        title=f"服务合同 {doc.contract_number}",
        author="smevoucher",
        initialFontName=_font(),  # no unembedded Helvetica in the file
    )
    width = PAGE_WIDTH - 40 * mm
    e, p = doc.enterprise, doc.provider
    story = [
        Paragraph("服务合同", s["title"]),
        Paragraph(
            _text(
                f"合同编号：{doc.contract_number}（第 {doc.version} 版）　订单编号：{doc.order_number}"
                f"　拟定日期：{doc.drafted_at:%Y年%m月%d日}"
            ),
            s["meta"],
        ),
        Paragraph(_text(f"服务券项目：{doc.program_name}"), s["meta"]),
        Spacer(1, 8),
        _table(
            [
                ["", "甲方（服务需求方）", "乙方（服务机构）"],
                ["名称", _text(e.name), _text(p.name)],
                ["统一社会信用代码", _text(e.uscc), _text(p.uscc)],
                ["法定代表人", _text(e.legal_rep), _text(p.legal_rep)],
                ["地址", _text(e.address), _text(p.address)],
                ["联系人及电话", _text(e.contact), _text(p.contact)],
            ],
            [width * 0.22, width * 0.39, width * 0.39],
            s["cell"],
        ),
        Paragraph("一、服务内容", s["h"]),
        Paragraph(_text(f"服务产品：{doc.product_name}"), s["body"]),
        Paragraph(_text(doc.service_content), s["body"]),
        Paragraph(_text(f"服务期限：{doc.service_period or '双方另行约定'}"), s["body"]),
        Paragraph("二、交付成果与验收标准", s["h"]),
        Paragraph("交付成果：" + _text(doc.deliverables), s["body"]),
        Paragraph("验收标准：" + _text(doc.acceptance), s["body"]),
        Paragraph("三、合同金额与支付方式", s["h"]),
        _table(
            [
                ["合同总金额", _money(doc.amount_fen)],
                ["服务券抵扣金额", _money(doc.deduction_fen)],
                ["企业实付金额", _money(doc.amount_fen - doc.deduction_fen)],
                ["其中：定金", _money(doc.deposit_fen)],
                ["其中：尾款", _money(doc.final_fen)],
            ],
            [width * 0.25, width * 0.75],
            s["cell"],
        ),
        Spacer(1, 4),
        Paragraph(
            "定金在合同签署后支付，尾款在服务完成后支付。甲方以对公转账方式向乙方支付，并在平台上传转账凭证；"
            "乙方在平台确认收款。",
            s["body"],
        ),
        Paragraph("付款约定：" + _text(doc.payment_terms), s["body"]),
        Paragraph("四、服务券使用说明", s["h"]),
        Paragraph(
            "服务券抵扣部分由平台与乙方按服务券管理办法结算，甲方无需向乙方支付。订单取消的，"
            "平台冻结的服务券金额予以释放；服务券须在有效期内使用。",
            s["body"],
        ),
        Paragraph("五、其他约定", s["h"]),
        Paragraph(_text(doc.other_terms), s["body"]),
        Paragraph("六、合同生效", s["h"]),
        Paragraph(
            "本合同经甲乙双方在平台以电子签章签署后生效，签署页附后。签署后的合同文件可在平台“签章验证”页面核验。",
            s["body"],
        ),
    ]
    page.build(
        story, onFirstPage=_footer(doc.contract_number), onLaterPages=_footer(doc.contract_number)
    )
    return buffer.getvalue()


def signing_page(
    *,
    contract_number: str,
    version: int,
    order_number: str,
    enterprise_name: str,
    provider_name: str,
    body_sha256: str,
    body_pages: int,
) -> bytes:
    """One A4 page 合同签署页 with the two seal boxes of `SIGNATURE_BOXES`."""
    font = _font()
    buffer = io.BytesIO()
    c = pdf_canvas.Canvas(buffer, pagesize=A4, initialFontName=font)
    c.setTitle(f"合同签署页 {contract_number}")
    c.setAuthor("smevoucher")
    c.setFont(font, 18)
    c.drawCentredString(PAGE_WIDTH / 2, PAGE_HEIGHT - 90, "合同签署页")
    c.setFont(font, 10)
    # the digest stays whole on one line, so it can be read off and compared
    lines = [
        f"合同编号：{contract_number}（第 {version} 版）",
        f"订单编号：{order_number}",
        "",
        f"本签署页附于上述合同正文（共 {body_pages} 页，SHA-256 摘要",
        f"{body_sha256}）之后，",
        "双方以电子签章签署即视为对合同正文全部内容的确认。",
    ]
    y = PAGE_HEIGHT - 140
    for line in lines:
        if line:
            c.drawString(70, y, line)
        y -= 20
    name_style = ParagraphStyle("name", fontName=font, fontSize=9, leading=13, wordWrap="CJK")
    c.setDash(3, 3)
    c.setStrokeColor(colors.HexColor("#bbbbbb"))
    for side, (x1, y1, x2, y2) in SIGNATURE_BOXES.items():
        c.rect(x1, y1, x2 - x1, y2 - y1)
        label = "甲方（盖章）" if side == "enterprise" else "乙方（盖章）"
        name = enterprise_name if side == "enterprise" else provider_name
        c.setFont(font, 11)
        c.drawString(x1, y2 + 12, label)
        # the full name under the box, wrapped to the box's width
        para = Paragraph(_text(name), name_style)
        _, height = para.wrapOn(c, x2 - x1, 60)
        para.drawOn(c, x1, y1 - 8 - height)
    c.showPage()
    c.save()
    return buffer.getvalue()


def signable_pdf(
    *,
    body: bytes,
    contract_number: str,
    version: int,
    order_number: str,
    enterprise_name: str,
    provider_name: str,
) -> bytes:
    """The contract body (generated or uploaded) with the signing page as its last page: an
    ordinary PDF that the two signatures then update incrementally."""
    try:
        reader = PdfReader(io.BytesIO(body))
        if reader.is_encrypted:
            raise ValueError("encrypted")
        body_pages = len(reader.pages)
    except PyPdfError as exc:  # a damaged upload: the caller reports it like an encrypted one
        raise ValueError("unreadable") from exc
    if body_pages == 0:
        raise ValueError("empty")
    digest = hashlib.sha256(body).hexdigest()
    page = signing_page(
        contract_number=contract_number,
        version=version,
        order_number=order_number,
        enterprise_name=enterprise_name,
        provider_name=provider_name,
        body_sha256=digest,
        body_pages=body_pages,
    )
    writer = PdfWriter()
    writer.append(reader)
    writer.append(PdfReader(io.BytesIO(page)))
    writer.add_metadata({"/Title": f"服务合同 {contract_number}", "/Author": "smevoucher"})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
