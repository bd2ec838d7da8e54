import datetime as dt

import pytest

from conftest import VALID_ID, make_uscc
from smevoucher.orgs.models import Organization, OrgMember
from smevoucher.programs.presets import guangxi_2024
from smevoucher.programs.services import program_create
from smevoucher.regions.models import Region

WAN = 1_000_000  # fen


def rules_for_tests(**overrides) -> dict:
    """Guangxi's rules with vouchers valid around today, so time rules do not interfere."""
    rules = {**guangxi_2024.RULES}
    today = dt.date.today()
    rules["voucher_types"] = [
        {
            **v,
            "valid_from": str(today - dt.timedelta(days=30)),
            "valid_until": str(today + dt.timedelta(days=300)),
        }
        for v in guangxi_2024.RULES["voucher_types"]
    ]
    rules.update(overrides)
    return rules


@pytest.fixture
def make_program(db):
    counter = {"n": 0}

    def make(**overrides):
        counter["n"] += 1
        return program_create(
            actor=None,
            code=f"test-{counter['n']}",
            name="测试项目",
            policy_title="",
            region_code="45",
            year=dt.date.today().year,
            rules=rules_for_tests(**overrides),
        )

    return make


@pytest.fixture
def make_org(make_user):
    counter = {"n": 100}

    def make(name: str = "柳州市测试企业有限公司") -> Organization:
        counter["n"] += 1
        user = make_user()
        org = Organization.objects.create(
            kind="enterprise",
            name=name,
            uscc=make_uscc(counter["n"]),
            region=Region.objects.get(code="450202"),
            region_code="450202",
            legal_rep_name="张三",
            legal_rep_id_type="resident_id",
            legal_rep_id_number=VALID_ID,
            legal_rep_id_index="x",
            status="approved",
            owner=user,
        )
        OrgMember.objects.create(org=org, user=user, role="owner")
        return org

    return make
