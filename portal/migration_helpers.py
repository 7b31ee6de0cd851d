"""Helpers for migrations."""


def run_for_vendor(statements_by_vendor):
    """A RunPython function that executes the statements listed for the database's vendor
    ("postgresql", "sqlite"), each as written (no parameters: a `%` is SQL's), and nothing on
    the others."""

    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, ()):
            schema_editor.execute(statement, None)

    return run


def run_on_postgresql(statements):
    """A RunPython function that executes `statements` on PostgreSQL and does nothing on other
    databases (SQLite, the embedded default)."""
    return run_for_vendor({"postgresql": statements})
