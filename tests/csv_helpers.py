"""Helpers shared by the import and export command tests."""

import datetime as dt
import io
import zoneinfo

from django.core.management import call_command

from clients.domain.documents import cnpj_from_base, cpf_from_base

SP = zoneinfo.ZoneInfo("America/Sao_Paulo")
# The tests' "now": mid-November 2026 in São Paulo. Month start 01/11, so a vencimento in
# October is Inativo, 01/11–19/11 Expirado, from 20/11 on Ativo.
NOW = dt.datetime(2026, 11, 20, 10, 0, tzinfo=SP)
TODAY = NOW.date()

CPF = cpf_from_base("529982247")  # 529.982.247-25
CNPJ = cnpj_from_base("112223330001")  # 11.222.333/0001-81
CNPJ_ALNUM = cnpj_from_base("12ABC34501DE")  # 12.ABC.345/01DE-35

HEADER = "nome;cpf_cnpj;email;produto;uf;cidade;vencimento"


def csv_file(tmp_path, *lines, encoding="utf-8", delimiter=";", name="clientes.csv"):
    """A CSV file from `lines` written with ';' (replaced by `delimiter`), in `encoding`."""
    text = "\r\n".join(line.replace(";", delimiter) for line in lines) + "\r\n"
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def run(command, *args):
    """Run a management command; (stdout, stderr). CommandError propagates."""
    out, err = io.StringIO(), io.StringIO()
    call_command(command, *[str(arg) for arg in args], stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()
