"""manage.py import_clients --partner CODE FILE [--dry-run]: see clients.transfer.importing."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from clients.transfer.columns import os_error_reason
from clients.transfer.importing import ImportFileError, import_clients
from partners.models import Partner
from portal.progress import ProgressBar


class ImportProgress:
    """clients.transfer.importing's progress callback (stage, done, total): one bar per stage."""

    def __init__(self, stream):
        self.stream = stream
        self.bar = self.stage = None

    def __call__(self, stage: str, done: int, total: int):
        if self.stage != stage:
            self.close()
            self.bar, self.stage = ProgressBar(self.stream, stage, total), stage
        self.bar.total = total
        self.bar.update_to(done)

    def close(self):
        if self.bar is not None:
            self.bar.close()
            self.bar = None


class Command(BaseCommand):
    help = (
        "Importa os clientes de um parceiro de um arquivo CSV (cabeçalho com nome, cpf_cnpj, "
        "email, produto, uf, cidade, vencimento e, opcionais, data_cadastro, renovacao, "
        "licencas, suspenso, pendente, motivo_pendencia, oculto). Valida todas as linhas "
        "antes de gravar; com qualquer linha inválida, nada é gravado."
    )

    def add_arguments(self, parser):
        parser.add_argument("--partner", required=True, help="Código do parceiro, ex.: alfa.")
        parser.add_argument("file", metavar="FILE", help="Arquivo CSV (separador , ou ;).")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Só valida e mostra o que seria criado e atualizado; não grava nada.",
        )

    def handle(self, *args, partner, file, dry_run=False, verbosity=1, **options):
        found = Partner.objects.filter(code=partner).first()
        if found is None:
            raise CommandError(f"Parceiro “{partner}” não encontrado: informe o código dele.")
        path = Path(file)
        try:
            data = path.read_bytes()
        except OSError as error:
            raise CommandError(
                f"Não foi possível ler o arquivo “{file}”: {os_error_reason(error)}."
            ) from None

        progress = ImportProgress(self.stderr)
        try:
            report = import_clients(
                partner=found, data=data, dry_run=dry_run, source=path.name, progress=progress
            )
        except ImportFileError as error:
            raise CommandError(f"{file}: {error}. Nada foi gravado.") from None
        finally:
            progress.close()

        if verbosity >= 1:
            self.stdout.write(
                f"{file}: {report.rows} linha(s) de dados, {report.encoding}, "
                f"separador “{report.delimiter}”."
            )
        for title in report.ignored_columns:
            self.stderr.write(
                f"Coluna ignorada (desconhecida): “{title}”.", style_func=self.style.WARNING
            )
        if report.errors:
            for error in report.errors:
                self.stderr.write(f"{file}: {error}")
            lines = len({error.line for error in report.errors})
            raise CommandError(f"Importação recusada: {lines} linha(s) com erro. Nada foi gravado.")

        if dry_run and verbosity >= 1:
            for change in report.changes:
                what = f"{change.name} ({change.document}, {change.product})"
                detail = f": {', '.join(change.columns)}" if change.columns else ""
                self.stdout.write(f"linha {change.line}: {change.kind} {what}{detail}")
        counts = (
            f"criados: {report.created}, atualizados: {report.updated}, "
            f"sem mudança: {report.unchanged}."
        )
        if dry_run:
            self.stdout.write(f"Simulação (--dry-run), nada foi gravado. Seriam {counts}")
        else:
            self.stdout.write(self.style.SUCCESS(f"Importação concluída. Clientes {counts}"))
