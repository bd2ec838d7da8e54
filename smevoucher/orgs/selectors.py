"""Reads of organizations, scoped to who asks."""

from __future__ import annotations

from .models import Organization, OrgMember


def org_acting_for(user) -> Organization | None:
    """The organization ``user`` acts for (as its account or its agent), if any."""
    membership = (
        OrgMember.objects.select_related("org").filter(user=user).first() if user.pk else None
    )
    return membership.org if membership else None


def org_get_for_staff(*, actor, pk: int) -> Organization:
    """An organization in the staff member's region; NotFound otherwise."""
    from smevoucher.core.errors import NotFound
    from smevoucher.staff.permissions import in_jurisdiction

    org = Organization.objects.select_related("region").filter(pk=pk).first()
    if org is None or not in_jurisdiction(actor, org.region_code):
        raise NotFound()
    return org


def org_agent(org: Organization) -> OrgMember | None:
    return org.members.select_related("user").filter(role="agent").first()


def org_people(org: Organization) -> list:
    """The active users who act for ``org`` (its account and its agent): whom to tell."""
    users = {org.owner_id: org.owner}
    for member in org.members.select_related("user"):
        users[member.user_id] = member.user
    return [u for u in users.values() if u is not None and u.is_active]
