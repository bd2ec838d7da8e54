"""The papers a provider prints, stamps and uploads (Guangdong): the redemption application
form (服务券兑现申请表) as PDF, and the usage detail summary (服务券使用情况明细汇总表) as
Excel and as PDF. Chinese fonts are embedded; text a person typed is written as text, never
as a spreadsheet formula."""

from __future__ import annotations

import io
import tempfile
from collections.abc import Iterable
from xml.sax.saxutils import escape

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from smevoucher.core.fonts import reportlab_cjk
from smevoucher.core.money import rmb_upper, yuan

from .models import Claim
from .selectors import claim_lines, claim_lines_streamed

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
MONEY_FORMAT = "#,##0.00"
HEADERS = (
    "序号",
    "订单编号",
    "企业名称",
    "服务产品",
    "下单时间",
    "合同金额(元)",
    "服务券抵扣(元)",
    "发票号码",
    "发票金额(元)",
    "开票日期",
    "申请兑现(元)",
    "核定兑现(元)",
)


def safe_cell(value):
    """A string a spreadsheet would run as a formula is kept as text (OWASP CSV injection)."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def _row(n: int, line) -> list:
    order = line.order
    return [
        n,
        order.number,
        order.enterprise.name,
        order.product_name,
        timezone.localtime(order.created_at).strftime("%Y-%m-%d"),
        order.contract_total_fen,
        order.deduction_fen,
        line.invoice_number,
        line.invoice_amount_fen,
        line.invoice_date.strftime("%Y-%m-%d"),
        line.claimed_fen,
        line.approved_fen,
    ]


def _rows(claim: Claim) -> list[list]:
    return [_row(n, line) for n, line in enumerate(claim_lines(claim), start=1)]


MONEY_COLUMNS = (5, 6, 8, 10, 11)
# Rows are written as they are read, so a claim of any size takes the same memory.
SPOOL_BYTES = 4 * 1024 * 1024


def summary_xlsx_file(claim: Claim, *, lines: Iterable | None = None):
    """服务券使用情况明细汇总表 as Excel: money as numbers in yuan with two decimals.

    Streams: the lines are read in chunks and written by a write-only workbook; the result
    is a temporary file (in memory up to SPOOL_BYTES, then on disk) positioned at its start.
    ``lines`` replaces the claim's own (the benchmark exports a part to show memory is flat).
    """
    book = Workbook(write_only=True)
    sheet = book.create_sheet("明细汇总")
    for column, width in zip(
        "ABCDEFGHIJKL", (6, 24, 28, 24, 12, 14, 14, 16, 14, 12, 14, 14), strict=True
    ):
        sheet.column_dimensions[column].width = width

    def cells(values: list, *, money_from: list | None = None, font=None, align=None) -> list:
        out = []
        for index, value in enumerate(values):
            if money_from is not None and index in MONEY_COLUMNS and value is not None:
                value = money_from[index] / 100
            cell = WriteOnlyCell(sheet, value=safe_cell(value))
            if money_from is not None and index in MONEY_COLUMNS:
                cell.number_format = MONEY_FORMAT
            if font is not None:
                cell.font = font
            if align is not None:
                cell.alignment = align
            out.append(cell)
        return out

    sheet.append([safe_cell(f"服务券使用情况明细汇总表（{claim.provider.org.name}）")])
    sheet.append(
        [safe_cell(f"兑现申请编号：{claim.number}"), None, safe_cell(f"项目：{claim.program.name}")]
    )
    sheet.append(cells(list(HEADERS), font=Font(bold=True), align=Alignment(horizontal="center")))
    contract = deducted = invoiced = 0
    if lines is None:
        lines = claim_lines_streamed(claim)
    for n, line in enumerate(lines, start=1):
        row = _row(n, line)
        contract += row[5]
        deducted += row[6]
        invoiced += row[8]
        sheet.append(cells(row, money_from=row))
    total = ["合计", None, None, None, None, contract, deducted, None, invoiced, None]
    total += [claim.claimed_fen, claim.approved_fen]
    sheet.append(cells(total, money_from=total))
    out = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115 (the caller closes it)
    book.save(out)
    out.seek(0)
    return out


def summary_xlsx(claim: Claim) -> bytes:
    with summary_xlsx_file(claim) as out:
        return out.read()


def _styles():
    font = reportlab_cjk()
    return {
        "title": ParagraphStyle("t", fontName=font, fontSize=16, leading=22, alignment=1),
        "body": ParagraphStyle("b", fontName=font, fontSize=10, leading=15, wordWrap="CJK"),
        "cell": ParagraphStyle("c", fontName=font, fontSize=8, leading=11, wordWrap="CJK"),
    }


def _grid(data, widths, font) -> Table:
    table = Table(data, colWidths=widths, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), font),
                ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f3f4f6")),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ]
        )
    )
    return table


def summary_pdf(claim: Claim) -> bytes:
    """服务券使用情况明细汇总表 as PDF (landscape), to print and stamp."""
    s = _styles()
    font = reportlab_cjk()
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=landscape(A4),
        leftMargin=10 * mm,
        rightMargin=10 * mm,
        topMargin=12 * mm,
        bottomMargin=12 * mm,
        title=f"服务券使用情况明细汇总表 {claim.number}",
        author="smevoucher",
        initialFontName=font,
    )
    cell = s["cell"]
    rows = _rows(claim)
    data = [[Paragraph(h, cell) for h in HEADERS]]
    for row in rows:
        data.append(
            [
                Paragraph(escape(yuan(v) if i in MONEY_COLUMNS else str(v)), cell)
                for i, v in enumerate(row)
            ]
        )
    data.append(
        [Paragraph("合计", cell)]
        + [Paragraph("", cell)] * 4
        + [
            Paragraph(yuan(sum(r[5] for r in rows)), cell),
            Paragraph(yuan(sum(r[6] for r in rows)), cell),
            Paragraph("", cell),
            Paragraph(yuan(sum(r[8] for r in rows)), cell),
            Paragraph("", cell),
            Paragraph(yuan(claim.claimed_fen), cell),
            Paragraph(yuan(claim.approved_fen), cell),
        ]
    )
    widths = [8, 42, 38, 34, 18, 20, 20, 22, 20, 18, 18, 18]
    story = [
        Paragraph("服务券使用情况明细汇总表", s["title"]),
        Paragraph(
            escape(
                f"服务机构：{claim.provider.org.name}　兑现申请编号：{claim.number}　项目：{claim.program.name}"
            ),
            s["body"],
        ),
        Spacer(1, 6),
        _grid(data, [w * mm for w in widths], font),
        Spacer(1, 16),
        Paragraph(
            "服务机构（盖章）：　　　　　　　　　　　　法定代表人（签字）：　　　　　　　　　日期：",
            s["body"],
        ),
    ]
    doc.build(story)
    return buffer.getvalue()


def application_pdf(claim: Claim) -> bytes:
    """服务券兑现申请表: the provider, the totals in figures and uppercase, the orders."""
    s = _styles()
    font = reportlab_cjk()
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
        title=f"服务券兑现申请表 {claim.number}",
        author="smevoucher",
        initialFontName=font,
    )
    org = claim.provider.org
    bank = getattr(org, "bank_account", None)
    cell = s["body"]
    lines = claim_lines(claim)

    def p(text) -> Paragraph:
        return Paragraph(escape(str(text)), cell)

    info = [
        [p("服务机构名称"), p(org.name)],
        [p("统一社会信用代码"), p(org.uscc)],
        [p("法定代表人"), p(org.legal_rep_name)],
        [p("服务券项目"), p(claim.program.name)],
        [p("兑现申请编号"), p(claim.number)],
        [p("兑现订单数"), p(len(lines))],
        [p("申请兑现金额"), p(f"{yuan(claim.claimed_fen)} 元（{rmb_upper(claim.claimed_fen)}）")],
        [
            p("收款账户"),
            p(f"{bank.account_name} {bank.bank_name} 尾号{bank.account_last4}" if bank else "—"),
        ],
        [p("订单编号"), p("、".join(line.order.number for line in lines))],
    ]
    story = [
        Paragraph("服务券兑现申请表", s["title"]),
        Spacer(1, 10),
        _grid(info, [45 * mm, 129 * mm], font),
        Spacer(1, 12),
        Paragraph(
            "本机构承诺：所申请兑现的服务均已按合同完成并经企业评价，所附合同、发票、转账凭证及服务成果真实有效，"
            "如有虚假，愿承担相应责任。",
            cell,
        ),
        Spacer(1, 30),
        Paragraph("服务机构（盖章）：　　　　　　　　　　　　　法定代表人（签字）：", cell),
        Spacer(1, 12),
        Paragraph(f"日期：{timezone.localdate():%Y年%m月%d日}", cell),
    ]
    doc.build(story)
    return buffer.getvalue()
