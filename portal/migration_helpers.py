"""Helpers for migrations: SQL that only one database needs, kept in readable .sql files."""

import sqlite3
from pathlib import Path


def statements(sql: str, vendor: str) -> list[str]:
    """The statements of a script. PostgreSQL takes a whole script in one call; SQLite's
    driver takes one statement at a time, and a trigger's body holds semicolons, so lines are
    gathered until SQLite reads them as a complete statement."""
    if vendor != "sqlite":
        return [sql]
    found, pending = [], ""
    for line in sql.splitlines(keepends=True):
        if not pending and (not line.strip() or line.lstrip().startswith("--")):
            continue
        pending += line
        if sqlite3.complete_statement(pending):
            found.append(pending.strip())
            pending = ""
    if pending.strip():
        raise ValueError(f"An incomplete statement ends the script: {pending[:60]!r}")
    return found


def run_sql_file(path: Path, vendor: str):
    """A RunPython function that runs the script at `path` on `vendor` ("postgresql",
    "sqlite") and does nothing on other databases."""

    def run(apps, schema_editor):
        if schema_editor.connection.vendor != vendor:
            return
        for statement in statements(path.read_text(encoding="utf-8"), vendor):
            schema_editor.execute(statement, None)

    return run
