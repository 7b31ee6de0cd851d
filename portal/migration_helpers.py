"""Helpers for migrations."""


def run_on_postgresql(statements):
    """A RunPython function that executes `statements` on PostgreSQL and does nothing on other
    databases (SQLite, the embedded default)."""

    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for statement in statements:
                schema_editor.execute(statement)

    return run
