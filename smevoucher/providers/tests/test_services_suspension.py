"""Suspending and reinstating a provider: staff of its region only, with a reason,
audited, and the organization's people told."""

from __future__ import annotations

import pytest

from smevoucher.audit.models import AuditRecord
from smevoucher.core.errors import DomainError, NotFound
from smevoucher.notifications.models import InboxMessage
from smevoucher.orgs.models import OrgMember
from smevoucher.providers.choices import ProviderStatus
from smevoucher.providers.services import provider_reinstate, provider_suspend

from .conftest import apply, decide

pytestmark = pytest.mark.django_db


def test_suspend_and_reinstate_are_audited_with_the_reason(
    admitted, province_reviewer, django_capture_on_commit_callbacks
):
    # when the province's reviewer suspends the provider
    with django_capture_on_commit_callbacks(execute=True):
        provider = provider_suspend(
            actor=province_reviewer, provider_id=admitted.pk, reason="违规收取服务费"
        )
    # then it is suspended, with one audit record carrying the reason
    assert provider.status == ProviderStatus.SUSPENDED
    assert provider.suspended_reason == "违规收取服务费"
    record = AuditRecord.objects.get(action="provider.suspended")
    assert (record.from_state, record.to_state, record.reason) == (
        "approved",
        "suspended",
        "违规收取服务费",
    )
    assert record.actor_id == province_reviewer.pk
    # and the organization's owner is told why
    message = InboxMessage.objects.get(recipient=admitted.org.owner)
    assert "暂停" in message.title
    assert "违规收取服务费" in message.body
    # when reinstated, it serves again, also recorded with its reason
    with django_capture_on_commit_callbacks(execute=True):
        provider = provider_reinstate(
            actor=province_reviewer, provider_id=admitted.pk, reason="已整改"
        )
    assert (provider.status, provider.suspended_reason) == (ProviderStatus.APPROVED, "")
    record = AuditRecord.objects.get(action="provider.reinstated")
    assert (record.from_state, record.to_state, record.reason) == (
        "suspended",
        "approved",
        "已整改",
    )
    assert InboxMessage.objects.filter(recipient=admitted.org.owner).count() == 2


def test_the_agent_is_told_too(
    admitted, province_reviewer, make_user, django_capture_on_commit_callbacks
):
    agent = make_user()
    OrgMember.objects.create(org=admitted.org, user=agent, role="agent")
    with django_capture_on_commit_callbacks(execute=True):
        provider_suspend(actor=province_reviewer, provider_id=admitted.pk, reason="投诉核查")
    assert InboxMessage.objects.filter(recipient=agent).exists()


def test_a_reason_is_required(admitted, province_reviewer):
    with pytest.raises(DomainError) as refused:
        provider_suspend(actor=province_reviewer, provider_id=admitted.pk, reason="  ")
    assert refused.value.field == "reason"
    admitted.refresh_from_db()
    assert admitted.status == ProviderStatus.APPROVED
    assert not AuditRecord.objects.filter(action="provider.suspended").exists()


def test_staff_outside_the_providers_scope_get_not_found(admitted, liuzhou_reviewer):
    # a provincial provider is managed by the province, not by a city
    with pytest.raises(NotFound):
        provider_suspend(actor=liuzhou_reviewer, provider_id=admitted.pk, reason="核查")


def test_a_city_providers_city_and_province_may_suspend_it(
    program, make_org, put_on_directory, liuzhou_reviewer, province_reviewer, nanning_reviewer
):
    org = make_org("柳州市市级服务站")
    put_on_directory(program, org, level="city", city="4502")
    provider = decide(apply(org, program), liuzhou_reviewer, "approve")
    with pytest.raises(NotFound):
        provider_suspend(actor=nanning_reviewer, provider_id=provider.pk, reason="核查")
    provider_suspend(actor=liuzhou_reviewer, provider_id=provider.pk, reason="核查")
    provider_reinstate(actor=province_reviewer, provider_id=provider.pk, reason="核查完毕")


@pytest.mark.parametrize("role", ["approver", "sysadmin"])
def test_approvers_and_system_admins_may_suspend(admitted, make_staff, role):
    staff = make_staff(region_code="45", roles=(role,))
    provider = provider_suspend(actor=staff, provider_id=admitted.pk, reason="核查")
    assert provider.status == ProviderStatus.SUSPENDED


@pytest.mark.parametrize("role", ["finance", "auditor"])
def test_finance_and_auditors_may_not(admitted, make_staff, role):
    staff = make_staff(region_code="45", roles=(role,))
    with pytest.raises(DomainError) as refused:
        provider_suspend(actor=staff, provider_id=admitted.pk, reason="核查")
    assert refused.value.status == 403


def test_an_enterprise_may_not_suspend(admitted, enterprise_user):
    with pytest.raises(DomainError) as refused:
        provider_suspend(actor=enterprise_user, provider_id=admitted.pk, reason="核查")
    assert refused.value.status == 403


def test_only_an_admitted_provider_may_be_suspended(program, liuzhou_org, province_reviewer):
    pending = apply(liuzhou_org, program)
    with pytest.raises(DomainError) as refused:
        provider_suspend(actor=province_reviewer, provider_id=pending.pk, reason="核查")
    assert refused.value.status == 409
    with pytest.raises(DomainError):
        provider_reinstate(actor=province_reviewer, provider_id=pending.pk, reason="核查")
