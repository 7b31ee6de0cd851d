"""PostgreSQL: the status tally's update trigger (clients 0012) decides that a statement
changed no status fact by the statement's net change per key, not by joining its old rows
with its new ones.

The join was a static statement, planned once per connection for transition tables of unknown
size, as a nested loop: an UPDATE of many clients that changes no status fact (an import that
corrects e-mails, a rename) compared every new row with every old one — 8,000 rows 11 s,
20,000 rows over two minutes. The net change per key (the same sum the merge below computes)
is one aggregate over both tables, linear in their size; it is empty exactly when the tally
would not change, rows that only swapped keys included.
"""

import importlib

from django.db import migrations

from portal.migration_helpers import run_on_postgresql

tally = importlib.import_module("clients.migrations.0012_status_tally")
KEY, COLUMNS, NEW, OLD = tally.KEY, tally.COLUMNS, tally.NEW, tally.OLD
# 0012's function, as it was (its CREATE OR REPLACE, without the triggers after it).
BEFORE = tally.POSTGRESQL_CREATE.split("CREATE FUNCTION clients_statustally_truncate")[0]
DELTA = f"""
            SELECT {COLUMNS}, sum(n)::integer AS n
            FROM (%s) AS moved ({COLUMNS}, n)
            GROUP BY {COLUMNS} HAVING sum(n) <> 0"""
BOTH = f"SELECT {NEW}, 1 FROM new_rows n UNION ALL SELECT {OLD}, -1 FROM old_rows o"
_CHECK = BEFORE.index("        IF NOT EXISTS (")
OLD_CHECK = BEFORE[_CHECK : BEFORE.index("        changed := 'SELECT", _CHECK)]
NEW_CHECK = f"""        IF NOT EXISTS ({DELTA % BOTH}
        ) THEN
            RETURN NULL;
        END IF;
"""
assert OLD_CHECK in BEFORE and "JOIN old_rows" in OLD_CHECK
AFTER = BEFORE.replace(OLD_CHECK, NEW_CHECK).replace(
    "-- name): a static statement, planned once per connection, lets them go at once.",
    "-- name): a static statement, planned once per connection, lets them go at once —\n"
    "        -- the net change per key, one aggregate (a join of the two was quadratic).",
)


class Migration(migrations.Migration):
    dependencies = [
        ("clients", "0018_redundant_import_indexes"),
    ]

    operations = [
        migrations.RunPython(run_on_postgresql((AFTER,)), run_on_postgresql((BEFORE,))),
    ]
