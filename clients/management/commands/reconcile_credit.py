"""Compare each partner's stored credit balance with the sum of its ledger entries
(clients.services.credit.reconcile). A difference means a write outside the services (a raw
SQL change, a restore of one table without the other): the command lists each one and exits
with status 1, for a cron job or a monitor to notice. It changes nothing."""

from django.core.management.base import BaseCommand, CommandError

from clients.domain.money import format_brl
from clients.models import CreditAccount
from clients.services.credit import reconcile
from partners.models import Partner


class Command(BaseCommand):
    help = "Confere o saldo de crédito de cada parceiro com a soma dos seus lançamentos."

    def handle(self, *args, **options):
        mismatches = reconcile()
        if not mismatches:
            self.stdout.write(f"Saldos conferem: {CreditAccount.objects.count()} parceiros.")
            return
        codes = dict(
            Partner.objects.filter(pk__in=[m.partner_id for m in mismatches]).values_list(
                "pk", "code"
            )
        )
        for m in mismatches:
            self.stdout.write(
                f"{codes.get(m.partner_id, m.partner_id)}: saldo guardado "
                f"{format_brl(m.stored)}, soma dos lançamentos {format_brl(m.entries)}, "
                f"diferença {format_brl(m.stored - m.entries)}"
            )
        raise CommandError(
            f"{len(mismatches)} parceiro(s) com o saldo diferente da soma dos lançamentos.",
            returncode=1,
        )
