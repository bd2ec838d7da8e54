"""Reads of organizations, scoped to who asks."""

from __future__ import annotations

from .models import Organization, OrgMember


def org_acting_for(user) -> Organization | None:
    """The organization ``user`` acts for (as its account or its agent), if any."""
    membership = (
        OrgMember.objects.select_related("org").filter(user=user).first() if user.pk else None
    )
    return membership.org if membership else None
