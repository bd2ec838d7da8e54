# Written by hand: the model, then database triggers that keep the audit log append-only
# also for code that bypasses the ORM. PostgreSQL refuses UPDATE and DELETE of a row;
# SQLite refuses UPDATE (its DELETE stays possible so the test database can be flushed,
# and the application refuses it). TRUNCATE is left to the database role's privileges:
# production's application role is not granted it.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

SQLITE_TRIGGERS = [
    """CREATE TRIGGER audit_auditrecord_no_update BEFORE UPDATE ON audit_auditrecord
       BEGIN SELECT RAISE(ABORT, 'audit records are append-only'); END;""",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS audit_auditrecord_no_update;",
]
POSTGRES_TRIGGERS = [
    """CREATE OR REPLACE FUNCTION audit_append_only() RETURNS trigger AS $$
       BEGIN RAISE EXCEPTION 'audit records are append-only'; END; $$ LANGUAGE plpgsql;""",
    """CREATE TRIGGER audit_auditrecord_append_only BEFORE UPDATE OR DELETE ON audit_auditrecord
       FOR EACH ROW EXECUTE FUNCTION audit_append_only();""",
]
POSTGRES_DROP = [
    "DROP TRIGGER IF EXISTS audit_auditrecord_append_only ON audit_auditrecord;",
    "DROP FUNCTION IF EXISTS audit_append_only();",
]


def create_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    statements = {"sqlite": SQLITE_TRIGGERS, "postgresql": POSTGRES_TRIGGERS}.get(vendor, [])
    for sql in statements:
        schema_editor.execute(sql)


def drop_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    statements = {"sqlite": SQLITE_DROP, "postgresql": POSTGRES_DROP}.get(vendor, [])
    for sql in statements:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="AuditRecord",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("at", models.DateTimeField(auto_now_add=True, db_index=True, verbose_name="时间")),
                ("actor_label", models.CharField(blank=True, max_length=100, verbose_name="操作人")),
                ("subject_id", models.CharField(max_length=64, verbose_name="对象编号")),
                ("action", models.CharField(db_index=True, max_length=64, verbose_name="操作")),
                ("from_state", models.CharField(blank=True, max_length=64, verbose_name="原状态")),
                ("to_state", models.CharField(blank=True, max_length=64, verbose_name="新状态")),
                ("reason", models.TextField(blank=True, verbose_name="原因")),
                ("request_id", models.CharField(blank=True, db_index=True, max_length=64, verbose_name="请求编号")),
                ("data", models.JSONField(blank=True, default=dict, verbose_name="详情")),
                (
                    "actor",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="操作人",
                    ),
                ),
                (
                    "subject_type",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="contenttypes.contenttype",
                        verbose_name="对象类型",
                    ),
                ),
            ],
            options={
                "verbose_name": "审计记录",
                "verbose_name_plural": "审计记录",
                "ordering": ["-at", "-pk"],
                "indexes": [
                    models.Index(fields=["subject_type", "subject_id", "at"], name="audit_audit_subject_4df4fb_idx")
                ],
            },
        ),
        migrations.RunPython(create_triggers, drop_triggers),
    ]
