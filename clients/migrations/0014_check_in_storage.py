"""What the check-in reads and writes, cheaper to keep (licenses.activation; README
"Desempenho da verificacao").

- The license key's uniqueness becomes a constraint (`client_unique_license_key`): as
  `unique=True` on a CharField, PostgreSQL also had a `varchar_pattern_ops` copy of the index
  for LIKE (62 MB at a million clients), which nothing runs — yet every client update that is
  not HOT wrote both.
- `fillfactor = 90` for clients_client on PostgreSQL: the check-in writes the time of contact,
  and a row can be rewritten in its own page (a HOT update: no index touched) only when the
  page has room. Rows written in bulk (the import's COPY) filled their pages, so the first
  contact of each cost an update of every index of the table (~17) and ~50–200 kB of WAL; with
  a tenth of each page left free it costs the heap page alone. It applies to pages written from
  now on; `VACUUM FULL clients_client` (which locks the table while it rewrites it) applies it
  to the rows already there.
"""

from django.db import migrations, models

from portal.migration_helpers import run_on_postgresql


class Migration(migrations.Migration):
    dependencies = [
        ("clients", "0013_attention_indexes_by_product"),
    ]

    operations = [
        migrations.AddConstraint(
            model_name="client",
            constraint=models.UniqueConstraint(
                fields=("license_key",), name="client_unique_license_key"
            ),
        ),
        migrations.AlterField(
            model_name="client",
            name="license_key",
            field=models.CharField(blank=True, max_length=64, null=True, verbose_name="chave"),
        ),
        migrations.RunPython(
            run_on_postgresql(["ALTER TABLE clients_client SET (fillfactor = 90)"]),
            run_on_postgresql(["ALTER TABLE clients_client RESET (fillfactor)"]),
        ),
    ]
