"""Programs: rules validated, versioned, funded in the ledger; an order keeps its version."""

import datetime as dt

import pytest
from django.utils import timezone

from smevoucher.core.errors import DomainError
from smevoucher.programs.selectors import program_version_at
from smevoucher.programs.services import program_version_publish
from smevoucher.vouchers.checks import ledger_problems
from smevoucher.vouchers.selectors import program_budget_left
from smevoucher.vouchers.tests.conftest import WAN, rules_for_tests

pytestmark = pytest.mark.django_db


def test_creation_funds_the_budget(make_program):
    program = make_program(budget_fen=100 * WAN)
    assert program_budget_left(program) == 100 * WAN
    assert ledger_problems() == []


def test_a_new_version_keeps_the_old_one_for_what_was_decided_under_it(make_program):
    program = make_program(subsidy_ratio_bp=3000)
    first = program.versions.get()
    later = timezone.now() + dt.timedelta(hours=1)
    second = program_version_publish(
        actor=None,
        program_id=program.pk,
        rules=rules_for_tests(subsidy_ratio_bp=2000),
        note="下调比例",
        effective_from=later,
    )
    assert second.number == 2
    assert program_version_at(program=program).pk == first.pk  # not in force yet
    assert program_version_at(program=program, when=later + dt.timedelta(seconds=1)).pk == second.pk
    assert first.parsed.subsidy_ratio_bp == 3000


def test_a_stale_editor_publishes_nothing(make_program):
    program = make_program()
    program_version_publish(
        actor=None, program_id=program.pk, rules=rules_for_tests(), note="一", base_version=1
    )
    with pytest.raises(DomainError) as refused:
        program_version_publish(
            actor=None, program_id=program.pk, rules=rules_for_tests(), note="二", base_version=1
        )
    assert refused.value.code == "program.version_stale"
    assert program.versions.count() == 2


def test_invalid_rules_are_refused_with_the_field(make_program):
    program = make_program()
    with pytest.raises(DomainError) as refused:
        program_version_publish(
            actor=None,
            program_id=program.pk,
            rules=rules_for_tests(subsidy_ratio_bp=15000),
            note="x",
        )
    assert refused.value.code == "program.rules_invalid"
    assert "subsidy_ratio_bp" in refused.value.message
    assert program.versions.count() == 1


def test_raising_the_budget_funds_the_difference_and_cutting_it_is_refused(make_program):
    program = make_program(budget_fen=100 * WAN)
    program_version_publish(
        actor=None, program_id=program.pk, rules=rules_for_tests(budget_fen=150 * WAN), note="追加"
    )
    assert program_budget_left(program) == 150 * WAN
    with pytest.raises(DomainError) as refused:
        program_version_publish(
            actor=None,
            program_id=program.pk,
            rules=rules_for_tests(budget_fen=120 * WAN),
            note="调减",
        )
    assert refused.value.code == "program.budget_cut"
    assert ledger_problems() == []


def test_only_a_sysadmin_of_the_region_may_publish(make_program, make_staff):
    program = make_program()
    reviewer = make_staff(region_code="45", roles=("reviewer",))
    other_admin = make_staff(region_code="44", roles=("sysadmin",))
    admin = make_staff(region_code="45", roles=("sysadmin",))
    for actor in (reviewer, other_admin):
        with pytest.raises(DomainError) as refused:
            program_version_publish(
                actor=actor, program_id=program.pk, rules=rules_for_tests(), note="x"
            )
        assert refused.value.code == "program.forbidden"
    assert (
        program_version_publish(
            actor=admin, program_id=program.pk, rules=rules_for_tests(), note="x"
        ).number
        == 2
    )
