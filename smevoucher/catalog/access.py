"""Who may open a product's qualification proofs and historical materials: the provider's
own people and staff of the provider's region (its reviewers). Never the public."""

from __future__ import annotations

from smevoucher.orgs.models import OrgMember
from smevoucher.staff.permissions import in_jurisdiction


def may_view_product_file(actor, upload) -> bool:
    owner_orgs = OrgMember.objects.filter(user_id=upload.owner_id).values("org_id")
    if actor.is_staff:
        from smevoucher.providers.models import Provider

        regions = Provider.objects.filter(org_id__in=owner_orgs).values_list(
            "org__region_code", flat=True
        )
        return any(in_jurisdiction(actor, code) for code in regions)
    return OrgMember.objects.filter(user=actor, org_id__in=owner_orgs).exists()
