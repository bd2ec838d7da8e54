"""Fixtures of the provider tests: a Guangxi-like program, certified organizations in
Liuzhou, their admission documents, and helpers to apply and to review."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from pypdf import PdfWriter

from smevoucher.providers.models import DirectoryEntry, Provider
from smevoucher.providers.services import provider_apply
from smevoucher.regions.models import Region
from smevoucher.reviews.models import Review
from smevoucher.reviews.services import review_transition
from smevoucher.uploads.services import upload_create


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)


def pdf(name: str = "营业执照.pdf") -> SimpleUploadedFile:
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    buffer = io.BytesIO()
    writer.write(buffer)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="application/pdf")


def documents(user) -> dict:
    """A qualification document and a commitment letter uploaded by ``user``."""
    license_ = upload_create(actor=user, uploaded=pdf(), purpose="provider_qualification")
    letter = upload_create(
        actor=user, uploaded=pdf("服务机构承诺书.pdf"), purpose="provider_commitment"
    )
    return {"qualification_ids": [license_.pk], "commitment_letter_id": letter.pk}


def application(**overrides) -> dict:
    return {
        "categories": ["企业诊断", "数字化转型"],
        "intro": "专注中小企业数字化转型咨询与实施，服务企业300余家。",
        "contact_phone": "0772-2861234",
        "address": "柳州市城中区文昌路1号",
        "working_hours": "周一至周五 8:30-17:30",
        **overrides,
    }


def apply(org, program, **overrides) -> Provider:
    """``org``'s owner applies to ``program`` with valid documents."""
    return provider_apply(
        actor=org.owner,
        program_id=program.pk,
        **documents(org.owner),
        **application(**overrides),
    )


def review_of(provider: Provider) -> Review:
    return Review.objects.filter(kind="provider_admission", object_id=str(provider.pk)).latest(
        "submitted_at", "pk"
    )


def decide(provider: Provider, reviewer, action: str, reason: str = "") -> Provider:
    review_transition(
        actor=reviewer, review_id=review_of(provider).pk, action=action, reason=reason
    )
    provider.refresh_from_db()
    return provider


@pytest.fixture
def program(make_program):
    """A program of Guangxi (region 45) with Guangxi's nine categories."""
    return make_program()


@pytest.fixture
def liuzhou_org(make_org):
    return make_org("柳州市智造服务有限公司")


@pytest.fixture
def put_on_directory():
    def put(program, org=None, *, level="provincial", city="", name=None, uscc=None):
        return DirectoryEntry.objects.create(
            program=program,
            name=name or org.name,
            uscc=uscc or org.uscc,
            level=level,
            city=Region.objects.get(code=city) if city else None,
        )

    return put


@pytest.fixture
def admitted(program, liuzhou_org, province_reviewer):
    """A provincial provider of the program, approved by the province's reviewer."""
    return decide(apply(liuzhou_org, program), province_reviewer, "approve")
