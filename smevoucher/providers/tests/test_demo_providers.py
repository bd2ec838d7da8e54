"""The demo providers: a directory, one admitted provider of each level, one outsider."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from smevoucher.providers.models import DirectoryEntry, Provider
from smevoucher.providers.selectors import admission_terms

# The demo commands deliver SMS codes after commit, as a real run does.
# serialized_rollback, as every transactional test here: the rows migrations create stay as
# they were for the tests that follow.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_demo_providers_are_created_once(regions, settings, tmp_path):
    settings.SMS_RESEND_SECONDS = 0
    settings.MEDIA_ROOT = str(tmp_path)
    # when the demo command runs twice
    call_command("demo_providers", stdout=io.StringIO())
    call_command("demo_providers", stdout=io.StringIO())
    # then the directory and the providers exist once, one admitted provider per level
    assert DirectoryEntry.objects.count() == 4
    admitted = Provider.objects.filter(status="approved")
    assert sorted(admitted.values_list("level", "scope_code")) == [
        ("city", "4502"),
        ("national", "45"),
        ("provincial", "45"),
    ]
    # and the outsider is refused
    from smevoucher.orgs.models import Organization

    outsider = Organization.objects.get(name="柳州市未入名录咨询有限公司")
    terms = admission_terms(program=admitted.first().program, org=outsider)
    assert terms.code == "provider.not_in_directory"
