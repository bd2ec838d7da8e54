from __future__ import annotations

from .models import OrgSeal


def active_seal(org) -> OrgSeal | None:
    """The organization's e-seal in force, if it made one."""
    if org is None:
        return None
    return (
        OrgSeal.objects.filter(org=org, revoked_at__isnull=True).select_related("made_by").first()
    )
