"""Two-character Chinese keywords on PostgreSQL: a GIN index of each product's bigrams.

pg_trgm serves keywords of 3+ characters; most Chinese searches are of 2 (咨询, 检测), which
it cannot narrow, so they scanned every product. ``smevoucher_bigrams(text)`` gives the
distinct upper-cased 2-character pieces of a text; a stored generated column holds those of
name and overview (PostgreSQL keeps it current on every write; stored, so that rechecking a
candidate row reads it instead of computing it again), a GIN index holds the column, and the
catalogue asks it for the products containing a 2-character keyword before the LIKE that
decides (``catalog.selectors.catalog_filter``). The column is not a model field: nothing
writes it. SQLite keeps its plain LIKE; nothing is created there.
"""

from django.db import migrations

FUNCTION = """
CREATE OR REPLACE FUNCTION smevoucher_bigrams(t text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT coalesce(array_agg(DISTINCT substr(u, i, 2)), '{}')
    FROM (SELECT upper(t) AS u) AS s, generate_series(1, char_length(u) - 1) AS i
$$
"""
COLUMN = (
    "ALTER TABLE catalog_product ADD COLUMN search_bigrams text[] "
    "GENERATED ALWAYS AS (smevoucher_bigrams(name || ' ' || overview)) STORED"
)
INDEX = (
    "CREATE INDEX IF NOT EXISTS catalog_product_bigrams ON catalog_product "
    "USING gin (search_bigrams)"
)


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(FUNCTION)
    schema_editor.execute(COLUMN)
    schema_editor.execute(INDEX)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX IF EXISTS catalog_product_bigrams")
    schema_editor.execute("ALTER TABLE catalog_product DROP COLUMN IF EXISTS search_bigrams")
    schema_editor.execute("DROP FUNCTION IF EXISTS smevoucher_bigrams(text)")


class Migration(migrations.Migration):
    dependencies = [("catalog", "0003_trigram_search")]

    operations = [migrations.RunPython(create, drop)]
