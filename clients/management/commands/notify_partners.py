"""manage.py notify_partners [--agora | --dry-run]: see clients.notifications."""

from django.core.management.base import BaseCommand, CommandError

from clients.domain.attention import NO_CONTACT_DAYS
from clients.notifications import (
    CERTIFICATE_DAYS,
    EXPIRING_DAYS,
    enqueue_digests,
    notify_partners,
)


class Command(BaseCommand):
    help = (
        "Envia a cada usuário de parceiro (com e-mail) o resumo do dia: clientes que vencem "
        f"nos próximos {EXPIRING_DAYS} dias, expirados este mês, códigos de registro a "
        f"ativar, certificados digitais (Navi) que vencem em até {CERTIFICATE_DAYS} dias e "
        f"instalações do Link sem contato há mais de {NO_CONTACT_DAYS} dias. Quem já recebeu "
        "o resumo hoje não recebe de novo; parceiro sem nada a relatar não recebe nada. "
        "Coloca na fila uma tarefa por parceiro, que o processador de tarefas (db_worker) "
        "executa; --agora envia neste processo."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Mostra o que seria enviado, sem enviar nem registrar nada.",
        )
        parser.add_argument(
            "--agora",
            action="store_true",
            help="Envia neste processo, sem o processador de tarefas.",
        )

    def handle(self, *args, dry_run=False, agora=False, verbosity=1, **options):
        if not (dry_run or agora):
            jobs = enqueue_digests()
            self.stdout.write(
                f"{len(jobs)} tarefa(s) do resumo diário na fila (uma por parceiro com "
                "usuários a avisar); o processador de tarefas envia os e-mails."
            )
            return
        report = notify_partners(dry_run=dry_run)
        for message in report.would_send:
            self.stdout.write(f"Para: {', '.join(message.to)}\nAssunto: {message.subject}\n")
            if verbosity >= 1:
                self.stdout.write(message.body)
            self.stdout.write("-" * 72)
        if verbosity >= 2:
            for address in report.already_sent:
                self.stdout.write(f"{address}: já recebeu o resumo de hoje.")
            for partner in report.nothing_to_report:
                self.stdout.write(f"{partner}: nada a relatar hoje.")
            for message in report.sent:
                self.stdout.write(f"Enviado para {', '.join(message.to)}: {message.subject}")
        for address, reason in report.failed:
            self.stderr.write(f"Falha ao enviar para {address}: {reason}")
        if dry_run:
            summary = f"Simulação (--dry-run): {len(report.would_send)} e-mail(s) seriam enviados"
        else:
            summary = f"{len(report.sent)} e-mail(s) enviado(s)"
        summary += (
            f"; {len(report.already_sent)} usuário(s) já notificado(s) hoje; "
            f"{len(report.nothing_to_report)} parceiro(s) sem nada a relatar."
        )
        self.stdout.write(summary)
        if report.failed:
            raise CommandError(
                f"{len(report.failed)} e-mail(s) não foram enviados; rode de novo para tentar."
            )
