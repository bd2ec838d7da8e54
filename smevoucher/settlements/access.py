"""Who may see a claim's files: its provider's people and the staff of its region."""

from __future__ import annotations

from django.db.models import Q


def may_view_claim_file(actor, upload) -> bool:
    from smevoucher.orgs.selectors import org_acting_for
    from smevoucher.staff.permissions import in_jurisdiction

    from .models import Claim

    claim = (
        Claim.objects.select_related("provider__org")
        .filter(Q(lines__invoice=upload) | Q(stamped_form=upload) | Q(other_materials=upload))
        .first()
    )
    if claim is None:
        return False
    if actor.is_staff:
        return actor.is_superuser or in_jurisdiction(actor, claim.provider.org.region_code)
    org = org_acting_for(actor)
    return org is not None and org.pk == claim.provider.org_id
