"""The admission documents: the reviewers of the provider's region and the organization's
own people may open them; other enterprises and other regions may not."""

from __future__ import annotations

import pytest

from smevoucher.orgs.models import OrgMember

from .conftest import apply

pytestmark = pytest.mark.django_db


def _files(provider):
    return [provider.commitment_letter, *provider.qualifications.all()]


def test_the_regions_reviewer_opens_the_documents(client, program, liuzhou_org, province_reviewer):
    provider = apply(liuzhou_org, program)
    client.force_login(province_reviewer)
    for upload in _files(provider):
        assert client.get(f"/files/{upload.pk}/").status_code == 200


def test_another_enterprise_cannot(client, program, liuzhou_org, other_enterprise_user):
    provider = apply(liuzhou_org, program)
    client.force_login(other_enterprise_user)
    for upload in _files(provider):
        assert client.get(f"/files/{upload.pk}/").status_code == 404


def test_a_reviewer_of_another_region_cannot(
    client, program, make_org, put_on_directory, nanning_reviewer, liuzhou_reviewer
):
    # given a Liuzhou city-level provider (reviewed in Liuzhou)
    org = make_org("柳州市服务站")
    put_on_directory(program, org, level="city", city="4502")
    provider = apply(org, program)
    letter = provider.commitment_letter
    client.force_login(nanning_reviewer)
    assert client.get(f"/files/{letter.pk}/").status_code == 404
    client.force_login(liuzhou_reviewer)
    assert client.get(f"/files/{letter.pk}/").status_code == 200


def test_the_organizations_agent_may_open_the_owners_uploads(
    client, program, liuzhou_org, make_user
):
    provider = apply(liuzhou_org, program)
    agent = make_user()
    OrgMember.objects.create(org=liuzhou_org, user=agent, role="agent")
    client.force_login(agent)
    assert client.get(f"/files/{provider.commitment_letter.pk}/").status_code == 200
