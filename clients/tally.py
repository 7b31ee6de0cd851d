"""A partner's clients counted by status without reading every client: clients.models.StatusTally.

The database keeps the tally (the triggers of clients/sql/tally.postgresql.sql and
tally.sqlite.sql): every statement that inserts, updates or deletes clients adds its net change
per key (vencimento, product and the three flags). The status rule reads those rows as it reads
clients (clients.domain.status.status_q), so the counts are the rule's, exact at every commit,
and cost a few thousand rows at 100,000 clients. Only counts over all of a partner's clients
can come from here: under any other filter (a search, a product…) the clients themselves are
counted.

What it buys (`make bench`, a partner with 100,000 clients, ratios of the same run): the status
counts take 0.09–0.14× the time of the same counts over the partner's clients (one aggregate
over their entries in the index on partner and vencimento), the status filters 1.18–1.96× the
floor page against 2.50–3.88× counting the clients (the budget is 2×: the floor counts one
status's range, the page all six), the default page 0.29× the admin changelist against 0.60×
(budget 0.5×), and Início about a third of its time.
"""

from django.db import connection, transaction
from django.db.models import Count, Q, Sum
from django.db.models.functions import Coalesce

from clients.models import Client, StatusTally


def count_tallied(predicate: Q):
    """Clients matching `predicate` (over the tally's facts), summed over StatusTally rows."""
    return Coalesce(Sum("clients", filter=predicate), 0)


@transaction.atomic
def rebuild() -> int:
    """Count every client again and replace the tally — for a database whose clients were
    written with the triggers disabled (a data-only restore with `--disable-triggers`):
    `manage.py rebuild_status_tally`. Writers wait meanwhile (PostgreSQL: a SHARE lock, which
    readers pass); returns the number of clients counted."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("LOCK TABLE clients_client IN SHARE MODE")
    StatusTally.objects.all().delete()
    rows = list(
        Client.objects.order_by()
        .values("partner_id", "expires_on", "product")
        .annotate(
            hidden=Q(hidden_at__isnull=False),
            pending=Q(pending_since__isnull=False),
            suspended=Q(suspended_at__isnull=False),
            n=Count("pk"),
        )
    )
    StatusTally.objects.bulk_create(
        (
            StatusTally(
                partner_id=row["partner_id"],
                expires_on=row["expires_on"],
                product=row["product"],
                hidden_at=row["hidden"] or None,
                pending_since=row["pending"] or None,
                suspended_at=row["suspended"] or None,
                clients=row["n"],
            )
            for row in rows
        ),
        batch_size=5000,
    )
    return sum(row["n"] for row in rows)
