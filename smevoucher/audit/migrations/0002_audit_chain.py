# Written by hand: the integrity chain (audit.chain). The records written before it are
# chained here in primary-key order, so that audit_verify checks the whole log from its
# first record. The append-only triggers of 0001 refuse the UPDATE this needs: they are
# dropped for the backfill and created again afterwards (also when migrating back, since
# SQLite loses a table's triggers whenever a schema change rebuilds the table).

import django.utils.timezone
from django.db import migrations, models

from smevoucher.audit.chain import configured_algorithm, record_hash

SQLITE_CREATE = [
    """CREATE TRIGGER audit_auditrecord_no_update BEFORE UPDATE ON audit_auditrecord
       BEGIN SELECT RAISE(ABORT, 'audit records are append-only'); END;""",
]
SQLITE_DROP = ["DROP TRIGGER IF EXISTS audit_auditrecord_no_update;"]
POSTGRES_CREATE = [
    """CREATE OR REPLACE FUNCTION audit_append_only() RETURNS trigger AS $$
       BEGIN RAISE EXCEPTION 'audit records are append-only'; END; $$ LANGUAGE plpgsql;""",
    """CREATE TRIGGER audit_auditrecord_append_only BEFORE UPDATE OR DELETE ON audit_auditrecord
       FOR EACH ROW EXECUTE FUNCTION audit_append_only();""",
]
POSTGRES_DROP = ["DROP TRIGGER IF EXISTS audit_auditrecord_append_only ON audit_auditrecord;"]
CHUNK = 1000


def _execute(schema_editor, statements):
    for sql in statements:
        schema_editor.execute(sql)


def drop_triggers(schema_editor):
    vendor = schema_editor.connection.vendor
    _execute(schema_editor, {"sqlite": SQLITE_DROP, "postgresql": POSTGRES_DROP}.get(vendor, []))


def create_triggers(schema_editor):
    drop_triggers(schema_editor)
    vendor = schema_editor.connection.vendor
    _execute(
        schema_editor, {"sqlite": SQLITE_CREATE, "postgresql": POSTGRES_CREATE}.get(vendor, [])
    )


def chain_existing_records(apps, schema_editor):
    AuditRecord = apps.get_model("audit", "AuditRecord")
    records = AuditRecord.objects.using(schema_editor.connection.alias)
    algorithm = configured_algorithm()
    drop_triggers(schema_editor)
    previous, last_pk = "", 0
    while True:
        chunk = list(records.filter(pk__gt=last_pk).order_by("pk")[:CHUNK])
        if not chunk:
            break
        for record in chunk:
            record.prev_hash = previous
            record.hash = previous = record_hash(record, algorithm=algorithm)
        records.bulk_update(chunk, ["prev_hash", "hash"])
        last_pk = chunk[-1].pk
    create_triggers(schema_editor)


def recreate_triggers(apps, schema_editor):
    create_triggers(schema_editor)


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [
        # Backwards this runs last: the triggers come back after the fields are removed.
        migrations.RunPython(migrations.RunPython.noop, recreate_triggers),
        migrations.AlterField(
            model_name="auditrecord",
            name="at",
            field=models.DateTimeField(
                db_index=True,
                default=django.utils.timezone.now,
                editable=False,
                verbose_name="时间",
            ),
        ),
        migrations.AddField(
            model_name="auditrecord",
            name="prev_hash",
            field=models.CharField(
                blank=True, default="", max_length=80, verbose_name="前一记录摘要"
            ),
        ),
        migrations.AddField(
            model_name="auditrecord",
            name="hash",
            field=models.CharField(blank=True, default="", max_length=80, verbose_name="摘要"),
        ),
        migrations.RunPython(chain_existing_records, recreate_triggers),
    ]
