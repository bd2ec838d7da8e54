"""Making an organization's e-seal (制作签章): once, after re-verifying the person.

The identity check spends a one-time answer (an SMS code), which must be counted even when
the seal is then refused, so it runs before the seal's own transaction; the key and the
image are made outside it too (slow, and nothing to roll back).
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from smevoucher.accounts.models import User
from smevoucher.audit.services import audit_record
from smevoucher.core.errors import DomainError, NotFound
from smevoucher.core.locks import serialize_on
from smevoucher.orgs.choices import CertStatus
from smevoucher.orgs.models import Organization
from smevoucher.orgs.selectors import org_acting_for

from .identity import identity_verifier
from .models import OrgSeal
from .pki import issue_signing_certificate
from .seal_image import draw_seal
from .selectors import active_seal


def _seal_exists() -> DomainError:
    return DomainError("esign.seal_exists", _("签章已制作，无需重复制作"), status=409)


def _org_for_seal(actor: User, org: Organization | None = None) -> Organization:
    """The certified organization ``actor`` acts for, without a seal yet."""
    acting = org_acting_for(actor) if getattr(actor, "is_authenticated", False) else None
    if org is not None and (acting is None or acting.pk != org.pk):
        raise NotFound()  # another organization's seal: as if it did not exist
    if acting is None or acting.status != CertStatus.APPROVED:
        raise DomainError(
            "esign.not_certified", _("请先完成机构信息认证，认证通过后才能制作签章"), status=403
        )
    if active_seal(acting) is not None:
        raise _seal_exists()
    return acting


def seal_start_verification(*, actor: User, ip_address: str | None) -> str:
    """Send the identity check of the person about to make the seal; returns what to tell
    them (e.g. "验证码已发送至 138****0000"). The SMS service records the code it sends."""
    _org_for_seal(actor)
    return identity_verifier(purpose="seal").start(user=actor, ip_address=ip_address)


def seal_create(
    *, actor: User, response: str, org: Organization | None = None, agreed: bool = True
) -> OrgSeal:
    """Make the organization's seal: the person acting for the certified organization (its
    certifying account or its agent) re-verifies with ``response`` (the SMS code); the
    platform CA issues a key and certificate naming the organization and its USCC, and the
    round red seal is drawn with its name. ``org``, when given, must be the actor's."""
    org = _org_for_seal(actor, org)
    if not agreed:
        raise DomainError("esign.agreement", _("请阅读并同意电子签章使用协议"), field="agreed")
    verifier = identity_verifier(purpose="seal")
    verifier.verify(user=actor, response=response)
    issued = issue_signing_certificate(org_name=org.name, uscc=org.uscc)
    image = draw_seal(org.name)
    try:
        with transaction.atomic():
            serialize_on(f"esign:seal:{org.pk}")
            if active_seal(org) is not None:
                raise _seal_exists()
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
                to_state="active",
                data={"org": org.pk, "serial": issued.serial, "method": verifier.method},
            )
    except IntegrityError as exc:  # a concurrent maker won (one active seal per org)
        raise _seal_exists() from exc
    return seal
