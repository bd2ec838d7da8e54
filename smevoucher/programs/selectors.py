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
