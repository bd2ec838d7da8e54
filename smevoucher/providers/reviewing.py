"""How the review of an admission (服务机构入驻审核) moves the provider."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from smevoucher.reviews.registry import ChainStep, ReviewKind, register_review_kind
from smevoucher.staff.choices import StaffRole

from .choices import ProviderStatus
from .flow import provider_set_status
from .models import Provider


def _locked(subject: Provider) -> Provider:
    return Provider.objects.select_for_update().get(pk=subject.pk)


def _submitted(*, subject: Provider, **_kw) -> None:
    provider = _locked(subject)
    action = "resubmit" if provider.status == ProviderStatus.RETURNED else "apply"
    provider_set_status(provider, action)
    subject.status = provider.status


def _moved(action: str):
    def callback(*, subject: Provider, **_kw) -> None:
        provider = _locked(subject)
        provider_set_status(provider, action)
        subject.status = provider.status

    return callback


def _materials_context(subject: Provider, viewer) -> dict:
    from .selectors import scope_label

    return {"scope_label": scope_label(subject.scope_code)}


register_review_kind(
    ReviewKind(
        key="provider_admission",
        label=_("服务机构入驻"),
        default_chain=(ChainStep(name=_("入驻审核"), role=StaffRole.REVIEWER, working_days=5),),
        on_submitted=_submitted,
        on_approved=_moved("approve"),
        on_returned=_moved("return"),
        on_rejected=_moved("reject"),
        on_withdrawn=_moved("withdraw"),
        materials_template="providers/review_materials.html",
        materials_context=_materials_context,
    )
)
