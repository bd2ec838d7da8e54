"""Who may open a provider's qualification documents and commitment letter: the staff of
the region that reviews it (its scope) and the people of the organization itself."""

from __future__ import annotations

from django.db.models import Q

from smevoucher.staff.permissions import in_jurisdiction


def may_view_provider_file(actor, upload) -> bool:
    from .models import Provider

    providers = Provider.objects.filter(
        Q(commitment_letter=upload) | Q(qualifications=upload)
    ).select_related("org")
    for provider in providers.distinct():
        if actor.is_staff and (actor.is_superuser or in_jurisdiction(actor, provider.scope_code)):
            return True
        if not actor.is_staff and provider.org.members.filter(user=actor).exists():
            return True
    return False
