"""The papers to print and stamp: the application form and the usage detail summary."""

from __future__ import annotations

import io
import shutil
import subprocess

import pytest
from openpyxl import load_workbook

from smevoucher.settlements import exports, services
from smevoucher.settlements.selectors import program_budget

pytestmark = pytest.mark.django_db


def _text(pdf: bytes) -> str:
    if shutil.which("pdftotext"):
        done = subprocess.run(
            ["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True
        )
        return done.stdout.decode()
    from pypdf import PdfReader

    return "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)


@pytest.fixture
def claim(provider_user, evaluated_orders, lines_for):
    return services.claim_create(
        actor=provider_user,
        program_id=evaluated_orders[0].program_id,
        lines=lines_for(evaluated_orders),
    )


def test_the_application_form_names_provider_orders_and_totals(claim):
    text = _text(exports.application_pdf(claim)).replace(" ", "")
    assert claim.provider.org.name in text
    for line in claim.lines.select_related("order"):
        assert line.order.number in text
    assert "180,000.00" in text
    assert "壹拾捌万元整" in text


def test_the_summary_pdf_lists_every_order_with_totals(claim):
    text = _text(exports.summary_pdf(claim)).replace(" ", "")
    for line in claim.lines.select_related("order"):
        assert line.order.number in text
    assert "180,000.00" in text
    assert b"/FontFile2" in exports.summary_pdf(claim)


def test_the_excel_totals_equal_the_ledger(claim):
    book = load_workbook(io.BytesIO(exports.summary_xlsx(claim)))
    sheet = book.active
    total = next(row for row in sheet.iter_rows(values_only=True) if row[0] == "合计")
    claimed_yuan = total[10]
    # the deducted (payable) value of the program is exactly what these two orders captured
    assert (
        round(claimed_yuan * 100) == claim.claimed_fen == program_budget(claim.program).deducted_fen
    )
    assert sheet.cell(row=4, column=6).number_format == exports.MONEY_FORMAT


def test_a_name_starting_with_equals_comes_out_as_text(claim):
    org = claim.provider.org
    type(org).objects.filter(pk=org.pk).update(name='=HYPERLINK("http://x")')
    enterprise = claim.lines.first().order.enterprise
    type(enterprise).objects.filter(pk=enterprise.pk).update(name="=1+1")
    claim.refresh_from_db()
    book = load_workbook(io.BytesIO(exports.summary_xlsx(claim)))
    values = [
        cell.value for row in book.active.iter_rows() for cell in row if isinstance(cell.value, str)
    ]
    assert not [v for v in values if v.startswith("=")]
    assert "'=1+1" in values
    assert all(cell.data_type != "f" for row in book.active.iter_rows() for cell in row)


def test_the_excel_summary_reads_its_lines_in_a_fixed_number_of_queries(
    claim, django_assert_max_num_queries
):
    # given a claim whose lines are read in chunks, with only what the summary prints
    claim = type(claim).objects.select_related("provider__org", "program").get(pk=claim.pk)
    # when it is exported, then the queries do not grow with its lines (one per chunk)
    with django_assert_max_num_queries(2):
        out = exports.summary_xlsx_file(claim)
    assert out.read(2) == b"PK"
