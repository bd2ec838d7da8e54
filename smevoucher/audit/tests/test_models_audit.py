"""The audit log is append-only: the application refuses changes, and so does the database."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, models, transaction

from smevoucher.audit.models import AppendOnlyError, AuditRecord
from smevoucher.audit.services import audit_record

pytestmark = pytest.mark.django_db


@pytest.fixture
def record(enterprise_user):
    return audit_record(
        actor=enterprise_user, subject=enterprise_user, action="user.registered", to_state="active"
    )


def _stored(record: AuditRecord) -> AuditRecord:
    return AuditRecord.objects.get(pk=record.pk)


def test_save_of_an_existing_record_is_refused(record):
    # given a written record, changed in memory
    record.reason = "rewritten history"
    # when it is saved, then it is refused and the stored record is unchanged
    with pytest.raises(AppendOnlyError):
        record.save()
    with pytest.raises(AppendOnlyError):
        record.save(update_fields=["reason"])
    assert _stored(record).reason == ""


def test_delete_of_a_record_is_refused(record):
    with pytest.raises(AppendOnlyError):
        record.delete()
    assert AuditRecord.objects.filter(pk=record.pk).exists()


def test_queryset_update_and_delete_are_refused(record):
    with pytest.raises(AppendOnlyError):
        AuditRecord.objects.filter(pk=record.pk).update(action="user.deleted")
    with pytest.raises(AppendOnlyError):
        AuditRecord.objects.all().delete()
    # bulk_update runs in its own atomic block, which the refusal marks for rollback
    with pytest.raises(AppendOnlyError), transaction.atomic():
        AuditRecord.objects.bulk_update([record], ["reason"])
    assert _stored(record).action == "user.registered"


def test_an_update_that_bypasses_the_model_is_refused_by_the_database(record):
    # given a plain queryset, which skips the model's refusal
    plain = models.QuerySet(model=AuditRecord).filter(pk=record.pk)
    # when it updates, then the database trigger refuses
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        plain.update(reason="rewritten history")
    assert _stored(record).reason == ""


def test_a_raw_sql_update_is_refused_by_the_database(record):
    # given a connection that writes SQL by hand, past the application
    # when it updates an audit record (on SQLite and on PostgreSQL alike)
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(
            "UPDATE audit_auditrecord SET action = %s, to_state = %s WHERE id = %s",
            ["user.deleted", "deleted", record.pk],
        )
    # then the record is as it was written
    stored = _stored(record)
    assert (stored.action, stored.to_state) == ("user.registered", "active")


@pytest.mark.postgres
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite keeps DELETE possible so the test database can be flushed",
)
def test_a_raw_sql_delete_is_refused_by_postgresql(record):
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("DELETE FROM audit_auditrecord WHERE id = %s", [record.pk])
    assert AuditRecord.objects.filter(pk=record.pk).exists()


def test_a_new_record_can_still_be_written(record, enterprise_user):
    audit_record(actor=enterprise_user, subject=enterprise_user, action="user.logged_in")
    assert AuditRecord.objects.count() == 2


def test_the_actor_of_a_record_cannot_be_deleted(record, enterprise_user):
    # the record must keep who acted: the user row is protected
    with pytest.raises(models.ProtectedError):
        enterprise_user.delete()
