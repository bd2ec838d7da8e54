"""Chinese keyword search on PostgreSQL: pg_trgm GIN indexes on the searched expressions.

The catalogue searches with ``name__icontains`` / ``overview__icontains``, which PostgreSQL
runs as ``UPPER(col::text) LIKE UPPER('%...%')``: the indexes are on that same expression so
that 3+ character keywords use them. SQLite keeps its plain LIKE (correct for 1–2 characters
too, where SQLite's FTS trigram tables return nothing); nothing is created there.
"""

from django.db import migrations

INDEXES = {
    "catalog_product_name_trgm": "name",
    "catalog_product_overview_trgm": "overview",
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for index, column in INDEXES.items():
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {index} ON catalog_product "
            f"USING gin ((UPPER({column}::text)) gin_trgm_ops)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for index in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {index}")


class Migration(migrations.Migration):
    dependencies = [("catalog", "0002_voucher_kinds")]

    operations = [migrations.RunPython(create, drop)]
