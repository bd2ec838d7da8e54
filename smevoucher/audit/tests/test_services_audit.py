"""audit_record: who, when, what, from, to, why, and the request it came from."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.contrib.contenttypes.models import ContentType

from smevoucher.audit.services import audit_record
from smevoucher.core.request_context import reset_request_id, set_request_id

pytestmark = pytest.mark.django_db


def test_a_record_holds_actor_subject_action_states_reason_and_time(enterprise_user, staff_user):
    # when staff records a change of an enterprise account
    record = audit_record(
        actor=staff_user,
        subject=enterprise_user,
        action="user.suspended",
        from_state="active",
        to_state="suspended",
        reason="资料不实",
        data={"ticket": 7},
    )
    # then everything the log promises is kept
    record.refresh_from_db()
    assert record.actor == staff_user
    assert record.actor_label == "138****3333"
    assert record.subject_type == ContentType.objects.get_for_model(enterprise_user)
    assert record.subject_id == str(enterprise_user.pk)
    assert (record.action, record.from_state, record.to_state) == (
        "user.suspended",
        "active",
        "suspended",
    )
    assert record.reason == "资料不实"
    assert record.data == {"ticket": 7}
    assert record.at is not None


def test_the_actor_label_never_holds_the_phone_in_the_clear(enterprise_user):
    record = audit_record(actor=enterprise_user, subject=enterprise_user, action="user.logged_in")
    assert enterprise_user.phone not in record.actor_label


@pytest.mark.parametrize("actor", [None, AnonymousUser()])
def test_a_change_without_a_person_is_recorded_as_the_system(actor, enterprise_user):
    record = audit_record(actor=actor, subject=enterprise_user, action="sms_code.sent")
    assert record.actor is None
    assert record.actor_label == "system"


def test_a_record_written_during_a_request_keeps_its_id(enterprise_user):
    token = set_request_id("req-service-0001")
    try:
        record = audit_record(actor=enterprise_user, subject=enterprise_user, action="x.changed")
    finally:
        reset_request_id(token)
    assert record.request_id == "req-service-0001"


def test_a_record_written_outside_a_request_has_no_request_id(enterprise_user):
    record = audit_record(actor=enterprise_user, subject=enterprise_user, action="x.changed")
    assert record.request_id == ""
