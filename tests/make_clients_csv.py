"""Write a valid clients CSV of any size, for the import benchmark.

    .venv/bin/python -m tests.make_clients_csv 100000 > /tmp/clientes.csv
    .venv/bin/python -m tests.make_clients_csv 100000 --months 2 > /tmp/clientes-renovados.csv

Rows are deterministic: the same ROWS give the same clients, so a second file with
`--months N` updates every client of the first (vencimento N months later). The mix looks
like a Brazilian spreadsheet: semicolons, dd/mm/aaaa, CNPJ and CPF with punctuation,
accented names, both products and renewal methods, a few suspended clients.
"""

import argparse
import csv
import datetime
import os
import sys

import django

from clients.domain.documents import cnpj_from_base, cpf_from_base, normalize_document
from clients.domain.municipalities import cities_of

UFS_AND_CITIES = [(uf, cities_of(uf)) for uf in ("SP", "RJ", "MG", "PR", "RS", "BA", "PE")]
KINDS = ["Mercado", "Padaria", "Farmácia", "Loja", "Restaurante", "Açougue", "Papelaria"]
NAMES = ["São João", "Ipê Amarelo", "Boa Vista", "Três Irmãos", "Estrela", "Paraná", "do Zé"]


def record(number: int, months: int = 0) -> dict:
    document = (
        cpf_from_base(f"{number:09d}") if number % 4 == 0 else cnpj_from_base(f"{number:08d}0001")
    )
    uf, cities = UFS_AND_CITIES[number % len(UFS_AND_CITIES)]
    base = datetime.date(2027, 1 + number % 12, 1 + number % 28)
    expires_on = base.replace(
        year=base.year + (base.month + months - 1) // 12, month=(base.month + months - 1) % 12 + 1
    )
    link = number % 3 != 0
    return {
        "nome": f"{KINDS[number % len(KINDS)]} {NAMES[number % len(NAMES)]} {number}",
        "cpf_cnpj": normalize_document(document),
        "email": f"contato{number}@exemplo.com.br",
        "produto": "link" if link else "navi",
        "uf": uf,
        "cidade": cities[number % len(cities)],
        "vencimento": expires_on,
        "data_cadastro": datetime.date(2024, 1 + number % 12, 1 + number % 28),
        "renovacao": "cobranca" if number % 5 == 0 else "manual",
        "licencas": 1 + number % 4,
        "suspenso": number % 17 == 0,
        "pendente": False,
        "motivo_pendencia": "",
        "oculto": False,
        # Link modules (clients.transfer.columns.FILE_MODULES): a few Link clients have them.
        "pesagem_automatica": int(link and number % 7 == 0),
        "monitor_cozinha": 2 if link and number % 11 == 0 else 0,
        "link_balanco_estoque": link and number % 13 == 0,
    }


def cells(record: dict, header) -> list[str]:
    """The record's cells as a spreadsheet holds them (as export_clients writes them)."""
    from clients.domain.documents import format_document
    from clients.transfer.columns import render_date

    def text(name, value):
        if isinstance(value, bool):
            return "sim" if value else "não"
        if isinstance(value, datetime.date):
            return render_date(value)
        return format_document(value) if name == "cpf_cnpj" else str(value)

    return [text(name, record[name]) for name in header]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rows", type=int)
    parser.add_argument("--months", type=int, default=0, help="push every vencimento N months")
    parser.add_argument("--first", type=int, default=1, help="number of the first client")
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    django.setup()
    from clients.transfer.columns import HEADER

    writer = csv.writer(sys.stdout, delimiter=";", lineterminator="\r\n")
    writer.writerow(HEADER)
    for number in range(args.first, args.first + args.rows):
        writer.writerow(cells(record(number, args.months), HEADER))


if __name__ == "__main__":
    main()
