"""Reads of e-seals, scoped to who asks: a seal is seen only by the people of its
organization (its certifying account and its agent)."""

from __future__ import annotations

from smevoucher.core.errors import NotFound
from smevoucher.orgs.models import Organization
from smevoucher.orgs.selectors import org_acting_for

from .models import OrgSeal


def active_seal(org: Organization | None) -> OrgSeal | None:
    """The organization's e-seal in force, if it made one."""
    if org is None:
        return None
    return (
        OrgSeal.objects.filter(org=org, revoked_at__isnull=True)
        .select_related("org", "made_by")
        .first()
    )


def seal_for_actor(actor) -> OrgSeal | None:
    """The seal in force of the organization ``actor`` acts for."""
    if not getattr(actor, "is_authenticated", False):
        return None
    return active_seal(org_acting_for(actor))


def seal_get_for_actor(*, actor, pk: int) -> OrgSeal:
    """One seal (also a revoked one) of the actor's organization; NotFound for anyone else."""
    org = org_acting_for(actor) if getattr(actor, "is_authenticated", False) else None
    seal = (
        OrgSeal.objects.select_related("org", "made_by").filter(pk=pk, org=org).first()
        if org is not None
        else None
    )
    if seal is None:
        raise NotFound()
    return seal
