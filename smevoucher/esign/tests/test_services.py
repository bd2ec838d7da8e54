"""制作签章: who may make a seal, with which proof, and only once."""

from __future__ import annotations

import io

import pytest
from cryptography import x509
from cryptography.x509.oid import ExtensionOID, NameOID
from django.db import connection
from PIL import Image

from smevoucher.audit.models import AuditRecord
from smevoucher.core.errors import DomainError, NotFound
from smevoucher.esign import services
from smevoucher.esign.models import OrgSeal, PlatformCA
from smevoucher.esign.pki import platform_ca
from smevoucher.esign.selectors import active_seal
from smevoucher.orgs.models import OrgMember

pytestmark = pytest.mark.django_db


def test_a_wrong_code_makes_nothing(org_a, send_seal_code):
    # given a code was sent to the organization's account
    send_seal_code(org_a.owner)
    # when another code is typed
    with pytest.raises(DomainError, match="验证码错误"):
        services.seal_create(actor=org_a.owner, org=org_a, response="000000")
    # then no seal and no record exist
    assert not OrgSeal.objects.exists()
    assert not AuditRecord.objects.filter(action="esign.seal_created").exists()


def test_a_code_for_another_purpose_is_refused(org_a, send_seal_code):
    # given a contract-signing code, not a seal code
    code = send_seal_code(org_a.owner, purpose="sign")
    # when it is used to make the seal
    with pytest.raises(DomainError):
        services.seal_create(actor=org_a.owner, org=org_a, response=code)
    # then nothing is made
    assert not OrgSeal.objects.exists()


def test_the_right_code_makes_a_seal_issued_by_the_platform_ca(org_a, send_seal_code):
    # when the owner types the code sent to their phone
    seal = services.seal_create(actor=org_a.owner, org=org_a, response=send_seal_code(org_a.owner))
    # then the seal is in force, made by them with the SMS check, recorded once
    assert active_seal(org_a) == seal
    assert (seal.made_by, seal.identity_method) == (org_a.owner, "sms")
    record = AuditRecord.objects.get(action="esign.seal_created")
    assert record.data["serial"] == seal.serial
    # and its certificate names the organization and its USCC, issued by the platform CA
    cert = x509.load_pem_x509_certificate(seal.certificate_pem.encode())
    ca = x509.load_pem_x509_certificate(platform_ca().certificate_pem.encode())
    assert cert.issuer == ca.subject
    cert.verify_directly_issued_by(ca)
    subject = cert.subject
    assert subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value == org_a.name
    assert subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == org_a.name
    assert subject.get_attributes_for_oid(NameOID.SERIAL_NUMBER)[0].value == org_a.uscc
    usage = cert.extensions.get_extension_for_oid(ExtensionOID.KEY_USAGE).value
    assert (usage.digital_signature, usage.content_commitment) == (True, True)
    assert not usage.key_cert_sign
    years = (cert.not_valid_after_utc - cert.not_valid_before_utc).days / 365
    assert 2.9 < years < 3.1
    assert format(cert.serial_number, "x") == seal.serial


def test_keys_are_encrypted_at_rest(seal_a):
    # the columns hold ciphertext; the model gives the key back
    with connection.cursor() as cursor:
        cursor.execute("SELECT private_key_pem FROM esign_orgseal WHERE id = %s", [seal_a.pk])
        (stored_seal_key,) = cursor.fetchone()
        cursor.execute("SELECT private_key_pem FROM esign_platformca")
        (stored_ca_key,) = cursor.fetchone()
    assert "PRIVATE KEY" not in stored_seal_key
    assert "PRIVATE KEY" not in stored_ca_key
    assert "PRIVATE KEY" in OrgSeal.objects.get(pk=seal_a.pk).private_key_pem


def test_the_platform_ca_is_made_once(seal_a, seal_b):
    # given two seals
    # then one CA issued both, and it is a 10-year CA that signs certificates
    assert PlatformCA.objects.count() == 1
    ca = x509.load_pem_x509_certificate(platform_ca().certificate_pem.encode())
    assert ca.extensions.get_extension_for_oid(ExtensionOID.BASIC_CONSTRAINTS).value.ca
    assert ca.extensions.get_extension_for_oid(ExtensionOID.KEY_USAGE).value.key_cert_sign
    assert (ca.not_valid_after_utc - ca.not_valid_before_utc).days >= 3650


def test_a_second_seal_is_refused(org_a, seal_a, send_seal_code):
    # given the organization has its seal
    # when someone asks for a code or makes another
    with pytest.raises(DomainError, match="签章已制作，无需重复制作"):
        services.seal_start_verification(actor=org_a.owner, ip_address=None)
    with pytest.raises(DomainError, match="签章已制作，无需重复制作") as refused:
        services.seal_create(actor=org_a.owner, org=org_a, response="123456")
    # then the first one stays the only one
    assert refused.value.status == 409
    assert OrgSeal.objects.filter(org=org_a).count() == 1


def test_the_agent_may_make_the_seal(org_a, make_user, send_seal_code):
    # given an agent who acts for the organization
    agent = make_user()
    OrgMember.objects.create(org=org_a, user=agent, role="agent", person_name="李四")
    # when they make the seal with their own code
    seal = services.seal_create(actor=agent, response=send_seal_code(agent))
    # then the seal is the organization's, made by the agent
    assert (seal.org, seal.made_by) == (org_a, agent)


def test_another_organizations_user_cannot_make_its_seal(org_a, org_b, send_seal_code):
    # when org B's owner tries to make org A's seal, with a code of their own
    code = send_seal_code(org_b.owner)
    with pytest.raises(NotFound):
        services.seal_create(actor=org_b.owner, org=org_a, response=code)
    # then neither organization has a seal, and B's code is still unspent
    assert not OrgSeal.objects.exists()
    assert services.seal_create(actor=org_b.owner, org=org_b, response=code).org == org_b


def test_an_uncertified_organization_cannot_make_a_seal(org_a, make_user):
    # given an organization still under review, and a user of none
    org_a.status = "submitted"
    org_a.save(update_fields=["status"])
    # then neither may even ask for a code
    for user in (org_a.owner, make_user()):
        with pytest.raises(DomainError, match="认证通过后才能制作签章") as refused:
            services.seal_start_verification(actor=user, ip_address=None)
        assert refused.value.status == 403


def test_the_agreement_is_required(org_a, send_seal_code):
    code = send_seal_code(org_a.owner)
    with pytest.raises(DomainError, match="电子签章使用协议") as refused:
        services.seal_create(actor=org_a.owner, org=org_a, response=code, agreed=False)
    assert refused.value.field == "agreed"
    assert not OrgSeal.objects.exists()


def test_the_seal_is_a_round_red_png(seal_a):
    image = Image.open(io.BytesIO(bytes(seal_a.image_png)))
    assert image.format == "PNG"
    rgba = image.convert("RGBA")
    width, height = rgba.size
    assert width == height
    raw = rgba.tobytes()
    pixels = (raw[i : i + 4] for i in range(0, len(raw), 4))
    red = sum(1 for r, g, b, a in pixels if a > 200 and r > 150 and g < 90 and b < 90)
    assert red > 0.05 * width * height
    # transparent outside the ring, red on the ring at the top
    assert rgba.getpixel((1, 1))[3] == 0
    assert rgba.getpixel((width // 2, 16))[:3] == (200, 22, 29)


def test_starting_verification_sends_a_seal_code(org_a, settings):
    from smevoucher.accounts.models import SmsCode

    settings.SMS_RESEND_SECONDS = 0
    message = services.seal_start_verification(actor=org_a.owner, ip_address="127.0.0.1")
    assert org_a.owner.masked_phone in message
    assert SmsCode.objects.get(phone=org_a.owner.phone).purpose == "seal"
