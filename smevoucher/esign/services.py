"""Making an organization's e-seal (制作签章): once, after re-verifying the person."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from smevoucher.audit.services import audit_record
from smevoucher.core.errors import DomainError
from smevoucher.orgs.choices import CertStatus
from smevoucher.orgs.selectors import org_acting_for

from .identity import identity_verifier
from .models import OrgSeal
from .pki import issue_signing_certificate
from .seal_image import draw_seal
from .selectors import active_seal


def _org_for_seal(actor):
    org = org_acting_for(actor) if getattr(actor, "is_authenticated", False) else None
    if org is None or org.status != CertStatus.APPROVED:
        raise DomainError(
            "esign.not_certified", _("请先完成机构信息认证，认证通过后才能制作签章"), status=403
        )
    if active_seal(org) is not None:
        raise DomainError("esign.seal_exists", _("签章已制作，无需重复制作"), status=409)
    return org


def seal_start_verification(*, actor, ip_address: str | None) -> str:
    """Send the identity check of the person making the seal (the SMS service records it)."""
    _org_for_seal(actor)
    return identity_verifier(purpose="seal").start(user=actor, ip_address=ip_address)


def seal_create(*, actor, response: str, agreed: bool = True) -> OrgSeal:
    """Make the organization's seal: the legal representative or agent (whoever acts for
    the certified organization) re-verifies; the platform CA issues a key and certificate;
    the seal image is drawn with the organization's name."""
    org = _org_for_seal(actor)
    if not agreed:
        raise DomainError("esign.agreement", _("请阅读并同意电子签章使用协议"), field="agreed")
    verifier = identity_verifier(purpose="seal")
    verifier.verify(user=actor, response=response)  # spends the code, outside the transaction
    issued = issue_signing_certificate(org_name=org.name, uscc=org.uscc)
    image = draw_seal(org.name)
    try:
        with transaction.atomic():
            seal = OrgSeal.objects.create(
                org=org,
                certificate_pem=issued.certificate_pem,
                private_key_pem=issued.private_key_pem,
                serial=issued.serial,
                valid_until=issued.valid_until,
                image_png=image,
                made_by=actor,
                identity_method=verifier.method,
            )
            audit_record(
                actor=actor,
                subject=seal,
                action="esign.seal_created",
                data={"org": org.pk, "serial": issued.serial, "method": verifier.method},
            )
    except IntegrityError as exc:
        raise DomainError("esign.seal_exists", _("签章已制作，无需重复制作"), status=409) from exc
    return seal
