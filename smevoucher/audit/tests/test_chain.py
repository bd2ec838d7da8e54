"""The audit log's integrity chain: each record holds the hash of the one before, and
``audit_verify`` finds the first record that was changed or whose predecessor was removed,
whichever algorithm (SHA-256 or SM3) hashed it."""

from __future__ import annotations

import threading
from contextlib import contextmanager

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, connections, models, transaction
from django.db.migrations.executor import MigrationExecutor
from django.test.utils import CaptureQueriesContext

from smevoucher.audit.chain import chain_verify, record_hash
from smevoucher.audit.models import AuditRecord
from smevoucher.audit.services import audit_record

pytestmark = pytest.mark.django_db


def write(actor, n: int, **extra) -> list[AuditRecord]:
    return [
        audit_record(
            actor=actor,
            subject=actor,
            action=f"test.step_{i}",
            from_state="a",
            to_state="b",
            reason="理由",
            data={"i": i, "amount_fen": 12_345, "ratio": 0.5, "whole": 2.0, "nested": [1, "二"]},
            **extra,
        )
        for i in range(n)
    ]


@contextmanager
def triggers_off():
    """What someone with the database owner's rights could do: switch the guard off."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = replica")  # triggers off
        else:
            cursor.execute("DROP TRIGGER audit_auditrecord_no_update")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("SET session_replication_role = DEFAULT")
            else:
                cursor.execute(
                    "CREATE TRIGGER audit_auditrecord_no_update BEFORE UPDATE ON "
                    "audit_auditrecord BEGIN SELECT RAISE(ABORT, 'audit records are "
                    "append-only'); END;"
                )


def raw(sql: str, params: list) -> None:
    with triggers_off(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def verify_output() -> str:
    from io import StringIO

    out = StringIO()
    call_command("audit_verify", stdout=out)
    return out.getvalue()


def test_each_record_holds_the_hash_of_the_one_before(enterprise_user):
    first, second, third = write(enterprise_user, 3)
    assert first.prev_hash == ""
    assert (second.prev_hash, third.prev_hash) == (first.hash, second.hash)
    stored = AuditRecord.objects.get(pk=second.pk)
    assert stored.hash == record_hash(stored, algorithm="sha256") == second.hash


def test_an_intact_chain_verifies(enterprise_user):
    records = write(enterprise_user, 5)
    output = verify_output()
    assert "audit chain intact: 5 record(s) checked" in output
    assert records[-1].hash in output


def test_an_empty_log_verifies():
    assert "0 record(s) checked" in verify_output()


def test_the_walk_goes_in_chunks(enterprise_user):
    write(enterprise_user, 7)
    report = chain_verify(chunk_size=2)
    assert (report.checked, report.broken) == (7, None)


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("reason", "改写的理由"),
        ("to_state", "approved"),
        ("data", '{"i": 1, "amount_fen": 99999999}'),
        ("actor_label", "system"),
        ("at", "2020-01-01 00:00:00"),
    ],
)
def test_a_record_changed_by_raw_sql_is_found_at_that_record(enterprise_user, column, value):
    # given an intact chain of five records
    records = write(enterprise_user, 5)
    tampered = records[2]
    # when one record's content is changed behind the application's back
    raw(f"UPDATE audit_auditrecord SET {column} = %s WHERE id = %s", [value, tampered.pk])
    # then the check stops at exactly that record, with what it expected and found
    with pytest.raises(CommandError) as broken:
        verify_output()
    message = str(broken.value)
    assert f"broken at record {tampered.pk} (its content or hash was changed)" in message
    assert f"found {tampered.hash}" in message
    assert "after 2 intact record(s)" in message


def test_a_record_rehashed_after_a_change_is_found_at_the_next(enterprise_user):
    # given a change whose author also recomputed that record's hash
    records = write(enterprise_user, 4)
    tampered = AuditRecord.objects.get(pk=records[1].pk)
    tampered.reason = "改写"
    raw(
        "UPDATE audit_auditrecord SET reason = %s, hash = %s WHERE id = %s",
        ["改写", record_hash(tampered, algorithm="sha256"), tampered.pk],
    )
    # then the next record no longer points at it
    report = chain_verify()
    assert (report.broken.record_id, report.broken.field) == (records[2].pk, "prev_hash")


def test_a_removed_middle_record_is_found_at_the_next(enterprise_user):
    # given five records, the third removed with raw SQL
    records = write(enterprise_user, 5)
    raw("DELETE FROM audit_auditrecord WHERE id = %s", [records[2].pk])
    # then the fourth is where the chain breaks: it points at the removed record
    with pytest.raises(CommandError) as broken:
        verify_output()
    message = str(broken.value)
    assert f"broken at record {records[3].pk} (a record before it was removed" in message
    assert f"prev_hash expected {records[1].hash}, found {records[2].hash}" in message


def test_a_removed_first_record_is_found(enterprise_user):
    records = write(enterprise_user, 3)
    raw("DELETE FROM audit_auditrecord WHERE id = %s", [records[0].pk])
    report = chain_verify()
    assert (report.broken.record_id, report.broken.expected) == (records[1].pk, "")


def test_a_rewritten_tail_is_found_against_a_kept_head(enterprise_user):
    # given the head printed by yesterday's check, kept outside the database
    records = write(enterprise_user, 3)
    kept_head = records[-1].hash
    # when the last record is removed (the chain before it is still intact)
    raw("DELETE FROM audit_auditrecord WHERE id = %s", [records[-1].pk])
    assert chain_verify().broken is None
    # then the check against the kept head fails
    with pytest.raises(CommandError, match=r"expected head .* is not in it"):
        call_command("audit_verify", expect_head=kept_head)
    write(enterprise_user, 1)
    assert chain_verify(expect_head=records[1].hash).head_found is True


@pytest.mark.parametrize(("algorithm", "hex_length"), [("sha256", 64), ("sm3", 64)])
def test_either_algorithm_chains_and_verifies(enterprise_user, settings, algorithm, hex_length):
    settings.AUDIT_HASH_ALGORITHM = algorithm
    records = write(enterprise_user, 3)
    name, _, digest = records[0].hash.partition(":")
    assert (name, len(digest)) == (algorithm, hex_length)
    assert chain_verify().checked == 3
    assert chain_verify().broken is None


def test_sm3_and_sha256_give_different_hashes(enterprise_user):
    record = write(enterprise_user, 1)[0]
    assert record_hash(record, algorithm="sm3") != record_hash(record, algorithm="sha256")
    # SM3 of the same content is the national standard's, from the cryptography package
    assert record_hash(record, algorithm="sm3").startswith("sm3:")


def test_switching_the_algorithm_keeps_old_records_verifiable(enterprise_user, settings):
    write(enterprise_user, 2)
    settings.AUDIT_HASH_ALGORITHM = "sm3"
    write(enterprise_user, 2)
    hashes = list(AuditRecord.objects.order_by("pk").values_list("hash", flat=True))
    assert [h.partition(":")[0] for h in hashes] == ["sha256", "sha256", "sm3", "sm3"]
    assert chain_verify().broken is None


def test_an_unknown_algorithm_is_a_configuration_error(enterprise_user, settings):
    settings.AUDIT_HASH_ALGORITHM = "md5"
    with pytest.raises(ImproperlyConfigured):
        write(enterprise_user, 1)


def test_a_hash_naming_an_unknown_algorithm_is_a_break(enterprise_user):
    record = write(enterprise_user, 1)[0]
    raw("UPDATE audit_auditrecord SET hash = %s WHERE id = %s", ["md5:00", record.pk])
    assert chain_verify().broken.field == "hash"


def test_chaining_costs_the_record_two_statements_at_most(enterprise_user):
    write(enterprise_user, 1)  # content type cached
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        write(enterprise_user, 1)
    # the head's hash and the insert; on PostgreSQL also the advisory lock
    expected = 3 if connection.vendor == "postgresql" else 2
    assert len(queries) == expected, [q["sql"] for q in queries]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_migration_chains_the_records_written_before_it(enterprise_user):
    # given records written before the chain existed
    executor = MigrationExecutor(connection)
    executor.migrate([("audit", "0001_initial")])
    with connection.cursor() as cursor:
        for i in range(5):
            cursor.execute(
                "INSERT INTO audit_auditrecord (at, actor_label, subject_type_id, subject_id, "
                "action, from_state, to_state, reason, request_id, data) VALUES "
                "(%s, 'system', (SELECT MIN(id) FROM django_content_type), %s, %s, '', '', "
                "'', '', %s)",
                [f"2025-0{i + 1}-01 08:00:00", str(i), f"old.step_{i}", f'{{"n": {i}}}'],
            )
    # when the chain migration runs
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
    # then the old records are chained, new ones follow them, and the guard is back
    write(enterprise_user, 1)
    report = chain_verify()
    assert (report.checked, report.broken) == (6, None)
    plain = models.QuerySet(model=AuditRecord).filter(action="old.step_0")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        plain.update(reason="x")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent writers need PostgreSQL")
def test_concurrent_writers_still_make_one_unbroken_chain(enterprise_user):
    # given thirty transactions that each write two audit records at the same moment
    threads_count = 30
    barrier = threading.Barrier(threads_count)
    errors = []

    def work():
        try:
            barrier.wait()
            with transaction.atomic():
                write(enterprise_user, 2)
        except BaseException as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work) for _ in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # then every record chains onto a different predecessor, and the whole chain verifies
    assert errors == []
    report = chain_verify()
    assert (report.checked, report.broken) == (2 * threads_count, None)
    prev_hashes = list(AuditRecord.objects.values_list("prev_hash", flat=True))
    assert len(set(prev_hashes)) == len(prev_hashes)
