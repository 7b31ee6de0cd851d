"""manage.py export_clients --partner CODE [--status S ...] [FILE]: see
clients.transfer.exporting."""

from django.core.management.base import BaseCommand, CommandError

from clients.domain.status import Status
from clients.transfer.columns import os_error_reason
from clients.transfer.exporting import export_rows, write_csv
from partners.models import Partner


class Command(BaseCommand):
    help = (
        "Exporta os clientes de um parceiro em CSV, nas colunas da importação "
        "(import_clients lê o arquivo de volta). Sem FILE, escreve na saída padrão."
    )

    def add_arguments(self, parser):
        parser.add_argument("--partner", required=True, help="Código do parceiro, ex.: alfa.")
        parser.add_argument(
            "--status",
            action="append",
            choices=Status.values,
            help="Só clientes neste status; repita para vários. Sem --status: todos.",
        )
        parser.add_argument(
            "--delimiter",
            choices=[";", ","],
            default=";",
            help="Separador de colunas (padrão: “;”, o do Excel em português).",
        )
        parser.add_argument(
            "file",
            metavar="FILE",
            nargs="?",
            help="Arquivo a criar (UTF-8 com BOM, para o Excel). Sem ele: a saída padrão.",
        )

    def handle(self, *args, partner, status, delimiter, file, verbosity=1, **options):
        found = Partner.objects.filter(code=partner).first()
        if found is None:
            raise CommandError(f"Parceiro “{partner}” não encontrado: informe o código dele.")
        rows = export_rows(found, status)
        if file:
            try:
                with open(file, "w", encoding="utf-8-sig", newline="") as stream:
                    count = write_csv(rows, stream, delimiter)
            except OSError as error:
                raise CommandError(
                    f"Não foi possível escrever “{file}”: {os_error_reason(error)}."
                ) from None
        else:
            count = write_csv(rows, _Unterminated(self.stdout), delimiter)
        if verbosity >= 1:
            self.stderr.write(f"{count} cliente(s) exportado(s).", style_func=str)


class _Unterminated:
    """A command's stdout that writes exactly what the csv module gives it."""

    def __init__(self, output):
        self.output = output

    def write(self, text):
        self.output.write(text, ending="")
