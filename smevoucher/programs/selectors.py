from __future__ import annotations

import datetime as dt

from django.utils import timezone

from smevoucher.core.errors import DomainError

from .models import Program, ProgramVersion


def program_version_at(*, program: Program, when: dt.datetime | None = None) -> ProgramVersion:
    """The rules version in force at ``when`` (now by default)."""
    when = when or timezone.now()
    version = (
        ProgramVersion.objects.filter(program=program, effective_from__lte=when)
        .order_by("-effective_from", "-number")
        .first()
    )
    if version is None:
        raise DomainError("program.no_rules", "该项目尚未发布规则", status=409)
    return version


def enterprise_classes(*, program: Program, uscc: str) -> set[str]:
    """The class codes a program's imported lists give the enterprise with this USCC."""
    from .models import EnterpriseClassification

    return set(
        EnterpriseClassification.objects.filter(program=program, uscc=uscc).values_list(
            "class_code", flat=True
        )
    )


def programs_for_region(*, region_code: str):
    """Active programs whose region contains ``region_code`` (a province's program covers its cities)."""
    from .models import ProgramStatus

    return [
        program
        for program in Program.objects.filter(status=ProgramStatus.ACTIVE).select_related("region")
        if region_code.startswith(program.region_code)
    ]
