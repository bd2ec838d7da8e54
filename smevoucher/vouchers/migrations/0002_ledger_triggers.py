# Written by hand: the ledger is append-only in the database too, and on PostgreSQL the
# legs of a transaction must sum to zero when it commits (a deferred constraint trigger).
# Percent signs are doubled: the schema editor passes the SQL through the driver's
# parameter substitution.

from django.db import migrations

SQLITE = [
    """CREATE TRIGGER vouchers_ledgerentry_no_update BEFORE UPDATE ON vouchers_ledgerentry
       BEGIN SELECT RAISE(ABORT, 'ledger entries are append-only'); END;""",
    """CREATE TRIGGER vouchers_ledgertransaction_no_update BEFORE UPDATE ON vouchers_ledgertransaction
       BEGIN SELECT RAISE(ABORT, 'ledger transactions are append-only'); END;""",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS vouchers_ledgerentry_no_update;",
    "DROP TRIGGER IF EXISTS vouchers_ledgertransaction_no_update;",
]
POSTGRES = [
    """CREATE OR REPLACE FUNCTION ledger_append_only() RETURNS trigger AS $$
       BEGIN RAISE EXCEPTION 'the ledger is append-only'; END; $$ LANGUAGE plpgsql;""",
    """CREATE TRIGGER vouchers_ledgerentry_append_only BEFORE UPDATE OR DELETE ON vouchers_ledgerentry
       FOR EACH ROW EXECUTE FUNCTION ledger_append_only();""",
    """CREATE TRIGGER vouchers_ledgertransaction_append_only BEFORE UPDATE OR DELETE ON vouchers_ledgertransaction
       FOR EACH ROW EXECUTE FUNCTION ledger_append_only();""",
    """CREATE OR REPLACE FUNCTION ledger_legs_balance() RETURNS trigger AS $$
       DECLARE total bigint;
       BEGIN
         SELECT COALESCE(SUM(amount_fen), 0) INTO total FROM vouchers_ledgerentry
          WHERE transaction_id = NEW.transaction_id;
         IF total <> 0 THEN
           RAISE EXCEPTION 'ledger transaction %% does not balance (%%)', NEW.transaction_id, total;
         END IF;
         RETURN NULL;
       END; $$ LANGUAGE plpgsql;""",
    """CREATE CONSTRAINT TRIGGER vouchers_ledgerentry_balanced AFTER INSERT ON vouchers_ledgerentry
       DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ledger_legs_balance();""",
]
POSTGRES_DROP = [
    "DROP TRIGGER IF EXISTS vouchers_ledgerentry_balanced ON vouchers_ledgerentry;",
    "DROP FUNCTION IF EXISTS ledger_legs_balance();",
    "DROP TRIGGER IF EXISTS vouchers_ledgerentry_append_only ON vouchers_ledgerentry;",
    "DROP TRIGGER IF EXISTS vouchers_ledgertransaction_append_only ON vouchers_ledgertransaction;",
    "DROP FUNCTION IF EXISTS ledger_append_only();",
]


def forwards(apps, schema_editor):
    for sql in {"sqlite": SQLITE, "postgresql": POSTGRES}.get(schema_editor.connection.vendor, []):
        schema_editor.execute(sql)


def backwards(apps, schema_editor):
    for sql in {"sqlite": SQLITE_DROP, "postgresql": POSTGRES_DROP}.get(schema_editor.connection.vendor, []):
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("vouchers", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
