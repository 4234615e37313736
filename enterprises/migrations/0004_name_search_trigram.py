"""Trigram indexes for the enterprise search on PostgreSQL.

The search matches a part of either name, case-insensitively (``UPPER(name) LIKE UPPER('%…%')``),
which no B-tree can serve. A GIN trigram index on the same expression lets PostgreSQL find a rare
name without reading every row, and, being an expression index, makes ANALYZE keep statistics of
the expression, so the planner knows when a word matches most names and reads them in the list's
order instead. SQLite (a laptop without a server) has neither and needs neither: the operation does
nothing there, and the indexes stay out of the model state."""

from django.db import migrations

INDEXES = {
    "enterprise_name_en_trgm": "name_en",
    "enterprise_name_zh_trgm": "name_zh",
}


class PostgresOnly(migrations.RunSQL):
    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


class Migration(migrations.Migration):
    dependencies = [
        ("enterprises", "0003_registry"),
    ]

    operations = [
        PostgresOnly(
            sql=["CREATE EXTENSION IF NOT EXISTS pg_trgm"]
            + [
                f"CREATE INDEX IF NOT EXISTS {name} ON enterprises_enterprise "
                f'USING gin (UPPER("{column}"::text) gin_trgm_ops)'
                for name, column in INDEXES.items()
            ]
            + ["ANALYZE enterprises_enterprise"],
            reverse_sql=[f"DROP INDEX IF EXISTS {name}" for name in INDEXES],
        ),
    ]
