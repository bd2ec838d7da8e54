"""The staff dashboard: charts of one's own region only, each with a table and an Excel export."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from smevoucher.portal.dashboard import charts_for
from smevoucher.vouchers import services as ledger

pytestmark = pytest.mark.django_db

WAN = 1_000_000


@pytest.fixture
def two_cities(make_program, make_org, regions):
    from smevoucher.orgs.models import Organization
    from smevoucher.regions.models import Region

    program = make_program()
    liuzhou = make_org("柳州市看板测试有限公司")
    nanning = make_org("南宁市看板测试有限公司")
    Organization.objects.filter(pk=nanning.pk).update(
        region=Region.objects.get(code="450103"), region_code="450103"
    )
    for n, (org, amount) in enumerate(((liuzhou, 10 * WAN), (nanning, 20 * WAN))):
        ledger.voucher_issue(
            actor=None,
            program_version=program.versions.get(),
            org=org,
            voucher_type="general",
            amount_fen=amount,
            quota_fen=30 * WAN,
            idempotency_key=f"dash-{n}",
        )
    return program


def test_a_city_staff_member_counts_only_its_city(two_cities, liuzhou_reviewer, province_reviewer):
    mine = {c.key: c for c in charts_for(liuzhou_reviewer)}
    assert sum(v for _l, v in mine["issued"].rows) == 10 * WAN
    assert [label for label, _v in mine["city"].rows] == ["柳州市"]
    province = {c.key: c for c in charts_for(province_reviewer)}
    assert sum(v for _l, v in province["issued"].rows) == 30 * WAN
    assert sorted(label for label, _v in province["city"].rows) == ["南宁市", "柳州市"]


def test_every_chart_has_a_table_and_an_excel_export(
    client, two_cities, liuzhou_reviewer, enterprise_user
):
    client.force_login(liuzhou_reviewer)
    page = client.get(reverse("portal:dashboard")).content.decode()
    charts = charts_for(liuzhou_reviewer)
    assert page.count("<table") == len([c for c in charts if c.rows])
    assert page.count("data-export=") == len(charts)
    assert "<svg" in page
    export = client.get(reverse("portal:dashboard"), {"export": "city"})
    sheet = load_workbook(io.BytesIO(export.content)).active
    assert list(sheet.iter_rows(min_row=3, values_only=True)) == [("柳州市", 100000.0)]
    client.force_login(enterprise_user)
    assert client.get(reverse("portal:dashboard")).status_code == 403
