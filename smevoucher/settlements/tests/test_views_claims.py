"""The redemption pages: tenant walls, the exports, the public notice."""

from __future__ import annotations

import pytest
from django.urls import reverse

from smevoucher.settlements import services

pytestmark = pytest.mark.django_db


@pytest.fixture
def claim(provider_user, evaluated_orders, lines_for):
    return services.claim_create(
        actor=provider_user,
        program_id=evaluated_orders[0].program_id,
        lines=lines_for(evaluated_orders),
    )


def test_only_the_provider_and_region_staff_see_a_claim(
    client, claim, provider_user, enterprise, liuzhou_reviewer, nanning_reviewer
):
    client.force_login(provider_user)
    page = client.get(reverse("settlements:detail", args=[claim.pk]))
    assert page.status_code == 200
    assert claim.number in page.content.decode()
    xlsx = client.get(reverse("settlements:export", args=[claim.pk, "summary.xlsx"]))
    assert xlsx.status_code == 200
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    # streamed from a temporary file, not built in a response body
    assert xlsx.streaming
    assert b"".join(xlsx.streaming_content).startswith(b"PK")
    # the enterprise that ordered is another tenant here
    client.force_login(enterprise)
    assert client.get(reverse("settlements:detail", args=[claim.pk])).status_code == 404
    assert client.get(reverse("settlements:export", args=[claim.pk, "form.pdf"])).status_code == 404
    # Liuzhou staff see the dossier, Nanning staff do not
    client.force_login(liuzhou_reviewer)
    assert client.get(reverse("settlements:staff_detail", args=[claim.pk])).status_code == 200
    client.force_login(nanning_reviewer)
    assert client.get(reverse("settlements:staff_detail", args=[claim.pk])).status_code == 404


def test_the_notice_page_is_public(client):
    assert client.get(reverse("settlements:notices")).status_code == 200
