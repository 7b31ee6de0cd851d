"""Count every client again into the status tally (clients.tally.rebuild).

The database keeps the tally by itself; this is only for a database whose clients were
written with the triggers disabled, e.g. after a data-only restore with
`pg_restore --disable-triggers`.
"""

from django.core.management.base import BaseCommand

from clients import tally


class Command(BaseCommand):
    help = "Refaz as contagens por situação (StatusTally) a partir dos clientes."

    def handle(self, *args, **options):
        counted = tally.rebuild()
        self.stdout.write(f"Contagens refeitas: {counted} clientes.")
