"""Admission (申请入驻平台): the directory decides who may apply and where they may serve;
the review moves the provider; documents are the applicant's own."""

from __future__ import annotations

import pytest

from conftest import make_uscc
from smevoucher.audit.models import AuditRecord
from smevoucher.core.errors import DomainError, NotFound
from smevoucher.providers.choices import ProviderLevel, ProviderStatus
from smevoucher.providers.flow import PROVIDER_FLOW, provider_set_status
from smevoucher.providers.models import Provider
from smevoucher.providers.selectors import admission_terms, scope_label
from smevoucher.providers.services import provider_apply, provider_resubmit
from smevoucher.reviews.services import review_transition

from .conftest import application, apply, decide, documents, review_of

pytestmark = pytest.mark.django_db


def test_an_organization_absent_from_the_directory_may_not_apply(
    program, liuzhou_org, make_org, put_on_directory
):
    # given a program whose directory lists another institution only
    put_on_directory(program, make_org("南宁市示范平台有限公司"))
    # when an organization not on it applies
    with pytest.raises(DomainError, match="未在本项目服务机构名录中，暂不能申请入驻") as refused:
        apply(liuzhou_org, program)
    # then it is refused, and nothing was filed
    assert refused.value.code == "provider.not_in_directory"
    assert not Provider.objects.exists()


def test_an_organization_on_the_directory_by_full_name_may_apply(
    program, liuzhou_org, put_on_directory
):
    # given the directory lists the organization's full name with another code
    put_on_directory(program, liuzhou_org, uscc=make_uscc(9001))
    # when it applies
    provider = apply(liuzhou_org, program)
    # then its application is under review
    assert provider.status == ProviderStatus.SUBMITTED
    assert review_of(provider).region_code == "45"


def test_a_full_name_with_full_width_brackets_matches(program, make_org, put_on_directory):
    org = make_org("柳州市创新（咨询）服务中心")
    put_on_directory(program, org, name="柳州市创新(咨询)服务中心", uscc=make_uscc(9002))
    assert admission_terms(program=program, org=org).eligible


def test_an_organization_on_the_directory_by_uscc_may_apply(program, liuzhou_org, put_on_directory):
    # given the directory lists the organization's code under an older name
    put_on_directory(program, liuzhou_org, name="柳州市智造服务有限责任公司（旧名）")
    # when it applies, then it is accepted
    assert apply(liuzhou_org, program).status == ProviderStatus.SUBMITTED


@pytest.mark.parametrize(
    ("level", "city", "scope", "words"),
    [
        ("national", "", "45", "全区"),
        ("provincial", "", "45", "全区"),
        ("city", "4502", "4502", "柳州市"),
    ],
)
def test_the_directory_level_sets_the_scope(
    program, liuzhou_org, put_on_directory, level, city, scope, words
):
    # given the organization is listed at a level
    put_on_directory(program, liuzhou_org, level=level, city=city)
    # when it applies
    provider = apply(liuzhou_org, program)
    # then its level and scope come from the directory
    assert (provider.level, provider.scope_code) == (level, scope)
    assert scope_label(provider.scope_code) == words


def test_a_city_level_provider_serves_only_its_city(program, liuzhou_org, put_on_directory):
    put_on_directory(program, liuzhou_org, level="city", city="4502")
    provider = apply(liuzhou_org, program)
    assert provider.serves_region("450202")  # 柳州市城中区
    assert not provider.serves_region("450102")  # 南宁市兴宁区
    assert not provider.serves_region("")


def test_a_provincial_provider_serves_the_whole_province(program, liuzhou_org):
    # given a program without a directory: provincial, over the program's region
    provider = apply(liuzhou_org, program)
    assert (provider.level, provider.scope_code) == (ProviderLevel.PROVINCIAL, "45")
    assert provider.serves_region("450202")
    assert provider.serves_region("450102")
    assert not provider.serves_region("440106")  # 广州市天河区


def test_an_uncertified_organization_may_not_apply(program, other_enterprise_user):
    with pytest.raises(DomainError) as refused:
        provider_apply(
            actor=other_enterprise_user,
            program_id=program.pk,
            **documents(other_enterprise_user),
            **application(),
        )
    assert refused.value.code == "provider.not_certified"


def test_a_program_of_another_province_answers_not_found(make_program, liuzhou_org, regions):
    from smevoucher.programs.models import Program

    guangdong = make_program()
    Program.objects.filter(pk=guangdong.pk).update(region_code="44")
    with pytest.raises(NotFound):
        apply(liuzhou_org, guangdong)


def test_categories_must_be_the_programs(program, liuzhou_org):
    with pytest.raises(DomainError) as refused:
        apply(liuzhou_org, program, categories=["代理记账"])
    assert refused.value.field == "categories"
    with pytest.raises(DomainError, match="至少选择"):
        apply(liuzhou_org, program, categories=[])


def test_qualifications_and_the_commitment_letter_are_required(program, liuzhou_org):
    owner = liuzhou_org.owner
    files = documents(owner)
    with pytest.raises(DomainError) as no_letter:
        provider_apply(
            actor=owner,
            program_id=program.pk,
            qualification_ids=files["qualification_ids"],
            **application(),
        )
    assert no_letter.value.field == "commitment_letter"
    with pytest.raises(DomainError) as no_license:
        provider_apply(
            actor=owner,
            program_id=program.pk,
            commitment_letter_id=files["commitment_letter_id"],
            **application(),
        )
    assert no_license.value.field == "qualifications"


def test_someone_elses_upload_cannot_be_attached(program, liuzhou_org, other_enterprise_user):
    # given documents uploaded by another user
    theirs = documents(other_enterprise_user)
    # when the organization's owner names them, then they are refused
    with pytest.raises(DomainError, match="文件无效"):
        provider_apply(actor=liuzhou_org.owner, program_id=program.pk, **theirs, **application())


def test_a_commitment_letter_cannot_pass_as_a_qualification(program, liuzhou_org):
    files = documents(liuzhou_org.owner)
    with pytest.raises(DomainError, match="文件无效"):
        provider_apply(
            actor=liuzhou_org.owner,
            program_id=program.pk,
            qualification_ids=[files["commitment_letter_id"]],
            commitment_letter_id=files["commitment_letter_id"],
            **application(),
        )


def test_a_second_application_while_one_is_open_is_refused(program, liuzhou_org):
    apply(liuzhou_org, program)
    with pytest.raises(DomainError) as refused:
        apply(liuzhou_org, program)
    assert refused.value.status == 409


def test_return_resubmit_approve(program, liuzhou_org, province_reviewer):
    # given an application returned with a reason
    provider = apply(liuzhou_org, program)
    decide(provider, province_reviewer, "return", "承诺书缺少法定代表人签字")
    assert provider.status == ProviderStatus.RETURNED
    # when the organization corrects it and sends it back (keeping its documents)
    provider = provider_resubmit(
        actor=liuzhou_org.owner,
        provider_id=provider.pk,
        **application(intro="补充：已获评自治区级中小企业公共服务示范平台。"),
    )
    # then it is under review again with the new text and the old files
    assert provider.status == ProviderStatus.SUBMITTED
    assert provider.intro.startswith("补充")
    assert provider.qualifications.count() == 1
    assert provider.commitment_letter_id is not None
    # and once approved it is admitted
    decide(provider, province_reviewer, "approve")
    assert provider.status == ProviderStatus.APPROVED
    assert provider.approved_at is not None


def test_only_a_returned_application_may_be_resubmitted(program, liuzhou_org):
    provider = apply(liuzhou_org, program)
    with pytest.raises(DomainError) as refused:
        provider_resubmit(actor=liuzhou_org.owner, provider_id=provider.pk, **application())
    assert refused.value.code == "provider.not_returned"


def test_another_organization_cannot_resubmit(program, liuzhou_org, make_org, province_reviewer):
    provider = apply(liuzhou_org, program)
    decide(provider, province_reviewer, "return", "请补充")
    other = make_org("柳州市另一机构有限公司")
    with pytest.raises(NotFound):
        provider_resubmit(actor=other.owner, provider_id=provider.pk, **application())


def test_a_rejected_organization_may_apply_again(program, liuzhou_org, province_reviewer):
    provider = decide(apply(liuzhou_org, program), province_reviewer, "reject", "资质不符")
    assert provider.status == ProviderStatus.REJECTED
    again = apply(liuzhou_org, program)
    assert again.pk == provider.pk
    assert again.status == ProviderStatus.SUBMITTED


def test_a_withdrawn_application_returns_to_draft(program, liuzhou_org):
    provider = apply(liuzhou_org, program)
    review_transition(actor=liuzhou_org.owner, review_id=review_of(provider).pk, action="withdraw")
    provider.refresh_from_db()
    assert provider.status == ProviderStatus.DRAFT
    assert apply(liuzhou_org, program).status == ProviderStatus.SUBMITTED


def test_a_city_level_application_is_reviewed_in_its_city(
    program, liuzhou_org, put_on_directory, liuzhou_reviewer, nanning_reviewer
):
    # given a city-level institution of Liuzhou
    put_on_directory(program, liuzhou_org, level="city", city="4502")
    provider = apply(liuzhou_org, program)
    # then Nanning's reviewer cannot see the review, Liuzhou's approves it
    with pytest.raises(NotFound):
        decide(provider, nanning_reviewer, "approve")
    assert decide(provider, liuzhou_reviewer, "approve").status == ProviderStatus.APPROVED


def test_a_provincial_application_is_not_for_a_city_reviewer(
    program, liuzhou_org, liuzhou_reviewer
):
    provider = apply(liuzhou_org, program)
    with pytest.raises(NotFound):
        decide(provider, liuzhou_reviewer, "approve")


def test_applying_writes_one_audit_record(program, liuzhou_org):
    provider = apply(liuzhou_org, program)
    records = AuditRecord.objects.filter(action="provider.applied")
    assert records.count() == 1
    assert records.get().data["scope"] == provider.scope_code


def test_the_status_table_as_a_whole(liuzhou_org, program):
    # given a provider in each status, every action is tried
    actions = {action for _status, action in PROVIDER_FLOW}
    provider = apply(liuzhou_org, program)
    for status in ProviderStatus.values:
        for action in sorted(actions):
            Provider.objects.filter(pk=provider.pk).update(status=status)
            provider.refresh_from_db()
            expected = PROVIDER_FLOW.get((status, action))
            if expected is None:
                with pytest.raises(DomainError):
                    provider_set_status(provider, action)
            else:
                provider_set_status(provider, action)
                provider.refresh_from_db()
                assert provider.status == expected, (status, action)
    # and the table holds exactly the admission and suspension moves
    assert PROVIDER_FLOW == {
        ("draft", "apply"): "submitted",
        ("rejected", "apply"): "submitted",
        ("returned", "resubmit"): "submitted",
        ("submitted", "approve"): "approved",
        ("submitted", "return"): "returned",
        ("submitted", "reject"): "rejected",
        ("submitted", "withdraw"): "draft",
        ("returned", "withdraw"): "draft",
        ("approved", "suspend"): "suspended",
        ("suspended", "reinstate"): "approved",
    }
