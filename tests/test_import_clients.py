"""manage.py import_clients: reading Brazilian spreadsheets, validating every row first,
creating and updating clients in one transaction, and refusing bad files with line numbers.
"""

import datetime as dt
import io
import logging

import pytest
import time_machine
from django.core.management import CommandError, ManagementUtility, call_command
from django.core.management.base import OutputWrapper
from django.db import connections

from clients.domain.status import Status, client_status
from clients.management.commands.import_clients import ImportProgress
from clients.models import Client, ClientEvent, License, Module, Product, RegistrationCode, Renewal
from clients.transfer import importing
from clients.transfer.columns import LICENSE_FIELDS
from clients.transfer.importing import ACTOR_LABEL, DEFAULT_PENDING_REASON, writing
from tests.csv_helpers import CNPJ, CNPJ_ALNUM, CPF, HEADER, NOW, csv_file, run

# A row without its vencimento, and with it. The CPF is typed with punctuation, the city
# without accents, the UF and the product in any case: the import normalises them.
PADARIA = "Padaria Pão Quente;529.982.247-25;pao@ex.com.br;link;SP;sao paulo"
MERCADO = "Mercado Ipê;11.222.333/0001-81;ipe@ex.com.br;Navi;rj;Niterói"
ROW_CPF = f"{PADARIA};31/12/2026"
ROW_CNPJ = f"{MERCADO};2027-01-15"


@pytest.fixture(autouse=True)
def now():
    with time_machine.travel(NOW, tick=False):
        yield NOW


def database_state():
    """Everything an import may write, to prove that a refused import wrote nothing."""
    return (
        list(Client.objects.order_by("pk").values()),
        list(License.objects.order_by("pk").values()),
        ClientEvent.objects.count(),
        RegistrationCode.objects.count(),
    )


def import_(path, *args, partner="alfa"):
    return run("import_clients", "--partner", partner, path, *args)


def refused(path, *args, partner="alfa"):
    """The message of an import that must be refused; the database is left unchanged."""
    before = database_state()
    with pytest.raises(CommandError) as raised:
        import_(path, *args, partner=partner)
    assert database_state() == before
    return str(raised.value)


def refused_lines(tmp_path, *rows, header=HEADER):
    """stderr of a refused import of `rows`, database unchanged."""
    path = csv_file(tmp_path, header, *rows)
    err = io.StringIO()
    before = database_state()
    with pytest.raises(CommandError) as raised:
        call_command(
            "import_clients", "--partner", "alfa", str(path), stdout=io.StringIO(), stderr=err
        )
    assert database_state() == before
    assert "Nada foi gravado" in str(raised.value)
    return err.getvalue()


# --- creating -----------------------------------------------------------------------------


def test_it_creates_clients_with_their_main_license_and_history(tmp_path, partner_a):
    out, _ = import_(csv_file(tmp_path, HEADER, ROW_CPF, ROW_CNPJ))

    assert "criados: 2, atualizados: 0, sem mudança: 0" in out
    padaria = Client.objects.get(cpf_cnpj=CPF)
    assert padaria.partner == partner_a
    assert padaria.name == "Padaria Pão Quente"
    assert (padaria.product, padaria.uf, padaria.city) == (Product.LINK, "SP", "São Paulo")
    assert padaria.expires_on == dt.date(2026, 12, 31)
    assert padaria.registered_on == NOW.date()  # data_cadastro defaults to today
    assert padaria.renewal == Renewal.MANUAL
    assert padaria.status == Status.ACTIVE
    assert padaria.licenses.get(module=Module.MAIN).quantity == 1
    assert padaria.registration_codes.filter(consumed_at__isnull=True).count() == 1
    event = padaria.events.get()
    assert (event.action, event.actor, event.actor_label) == ("cadastrar", None, ACTOR_LABEL)
    assert event.before == {}
    assert event.after["name"] == "Padaria Pão Quente"
    assert event.after["status"] == "ativo"
    assert event.after["licenses"] == {"principal": {"quantity": 1}}  # as the portal's
    assert event.note == "Importação de clientes.csv"

    mercado = Client.objects.get(cpf_cnpj=CNPJ)
    assert (mercado.product, mercado.uf, mercado.city) == (Product.NAVI, "RJ", "Niterói")
    assert mercado.expires_on == dt.date(2027, 1, 15)
    assert not mercado.registration_codes.exists()  # only Link clients get a code


def test_optional_columns_set_what_they_say(tmp_path, partner_a):
    header = f"{HEADER};data_cadastro;renovacao;licencas;suspenso;pendente;motivo_pendencia"
    import_(
        csv_file(
            tmp_path,
            header,
            f"{ROW_CPF};01/02/2024;cobranca;3;sim;não;",
            f"{ROW_CNPJ};2025-03-04;Gestão de cobranças;2;não;sim;CNPJ de outra revenda",
            f"Loja Três;{CNPJ_ALNUM};;link;MG;Belo Horizonte;01/01/2027;;;;;1;",
        )
    )
    padaria, mercado, loja = (Client.objects.get(cpf_cnpj=doc) for doc in (CPF, CNPJ, CNPJ_ALNUM))
    assert padaria.registered_on == dt.date(2024, 2, 1)
    assert padaria.renewal == Renewal.BILLING
    assert padaria.licenses.get(module=Module.MAIN).quantity == 3
    assert padaria.suspended_at == NOW and padaria.status == Status.SUSPENDED
    assert mercado.registered_on == dt.date(2025, 3, 4)
    assert mercado.pending_reason == "CNPJ de outra revenda"
    assert mercado.status == Status.PENDING
    assert loja.email == ""
    assert loja.pending_reason == DEFAULT_PENDING_REASON
    assert loja.cpf_cnpj_display == "12.ABC.345/01DE-35"


def test_oculto_is_accepted_for_a_client_that_would_be_inativo(tmp_path, partner_a):
    import_(csv_file(tmp_path, f"{HEADER};oculto", f"{PADARIA};31/10/2026;sim"))
    client = Client.objects.get()
    assert client.status == Status.HIDDEN
    assert client_status(client, ignore_hidden=True) == Status.INACTIVE


# --- reading real spreadsheets --------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252"])
@pytest.mark.parametrize("delimiter", [";", ","])
def test_it_reads_both_encodings_and_both_delimiters(tmp_path, partner_a, encoding, delimiter):
    path = csv_file(tmp_path, HEADER, ROW_CPF, ROW_CNPJ, encoding=encoding, delimiter=delimiter)
    out, _ = import_(path)
    expected = {"utf-8": "UTF-8,", "utf-8-sig": "UTF-8 com BOM", "cp1252": "Windows-1252"}
    assert expected[encoding] in out
    assert f"separador “{delimiter}”" in out
    assert sorted(Client.objects.values_list("name", "city")) == [
        ("Mercado Ipê", "Niterói"),
        ("Padaria Pão Quente", "São Paulo"),
    ]


def test_columns_match_case_insensitively_in_any_order(tmp_path, partner_a):
    path = csv_file(
        tmp_path,
        "Vencimento;CIDADE;UF;Produto;E-mail;CPF/CNPJ;Nome;Licenças;Observações",
        f"15/01/2027;Campinas;SP;LINK;a@ex.com.br;{CPF};Bar do Zé;2;coluna ignorada",
    )
    out, err = import_(path)
    client = Client.objects.get()
    assert (client.name, client.city, client.expires_on) == (
        "Bar do Zé",
        "Campinas",
        dt.date(2027, 1, 15),
    )
    assert client.licenses.get().quantity == 2
    assert "Coluna ignorada (desconhecida): “Observações”" in err


@pytest.mark.parametrize(
    ("cell", "suspended"),
    [
        ("sim", True),
        ("Não", False),
        ("nao", False),
        ("TRUE", True),
        ("false", False),
        ("1", True),
        ("0", False),
    ],
)
def test_booleans_are_sim_nao_true_false_or_1_0(tmp_path, partner_a, cell, suspended):
    import_(csv_file(tmp_path, f"{HEADER};suspenso", f"{ROW_CPF};{cell}"))
    assert (Client.objects.get().suspended_at is not None) is suspended


def test_a_cell_spanning_two_lines_keeps_the_line_numbers_right(tmp_path, partner_a):
    stderr = refused_lines(
        tmp_path,
        f'"Padaria\nPão Quente";{CPF};a@ex.com.br;link;SP;São Paulo;31/12/2026',
        "Bar;123;a@ex.com.br;link;SP;São Paulo;31/12/2026",
    )
    assert "linha 4: cpf_cnpj:" in stderr


# --- updating -----------------------------------------------------------------------------


def test_an_existing_client_is_updated_and_its_history_says_how(
    tmp_path, partner_a, partner_b, make_client
):
    existing = make_client(
        partner_a, cpf_cnpj=CPF, product=Product.LINK, name="Nome antigo", licenses=4
    )
    other_partner = make_client(partner_b, cpf_cnpj=CPF, product=Product.LINK, name="Outro")
    out, _ = import_(csv_file(tmp_path, f"{HEADER};licencas", f"{ROW_CPF};2", f"{ROW_CNPJ};1"))

    assert "criados: 1, atualizados: 1, sem mudança: 0" in out
    existing.refresh_from_db()
    assert existing.name == "Padaria Pão Quente"
    assert existing.expires_on == dt.date(2026, 12, 31)
    assert existing.licenses.get(module=Module.MAIN).quantity == 2
    event = existing.events.get()
    assert (event.action, event.actor_label) == ("editar", ACTOR_LABEL)
    assert (event.before["name"], event.after["name"]) == ("Nome antigo", "Padaria Pão Quente")
    licenses = (event.before["licenses"], event.after["licenses"])
    assert licenses == ({"principal": {"quantity": 4}}, {"principal": {"quantity": 2}})
    other_partner.refresh_from_db()
    assert other_partner.name == "Outro"  # another partner's client is never touched
    assert not existing.registration_codes.exists()  # an update issues no new code


def test_the_same_document_for_the_other_product_is_another_client(
    tmp_path, partner_a, make_client
):
    make_client(partner_a, cpf_cnpj=CPF, product=Product.NAVI)
    out, _ = import_(csv_file(tmp_path, HEADER, ROW_CPF))
    assert "criados: 1, atualizados: 0" in out
    assert Client.objects.filter(cpf_cnpj=CPF).count() == 2


def test_an_empty_optional_cell_keeps_the_existing_value(tmp_path, partner_a, make_client):
    existing = make_client(
        partner_a,
        cpf_cnpj=CPF,
        product=Product.LINK,
        renewal=Renewal.BILLING,
        registered_on=dt.date(2020, 5, 5),
        suspended_at=NOW - dt.timedelta(days=3),
        licenses=5,
    )
    header = f"{HEADER};data_cadastro;renovacao;licencas;suspenso"
    import_(csv_file(tmp_path, header, f"{ROW_CPF};;;;"))
    existing.refresh_from_db()
    assert existing.registered_on == dt.date(2020, 5, 5)
    assert existing.renewal == Renewal.BILLING
    assert existing.suspended_at == NOW - dt.timedelta(days=3)
    assert existing.licenses.get().quantity == 5


def test_a_new_license_count_applies_at_once_and_drops_a_scheduled_reduction(
    tmp_path, partner_a, make_client
):
    existing = make_client(partner_a, cpf_cnpj=CPF, product=Product.LINK, licenses=5)
    existing.licenses.update(scheduled_quantity=2, scheduled_from=dt.date(2026, 12, 1))
    import_(csv_file(tmp_path, f"{HEADER};licencas", f"{ROW_CPF};3"))
    main = existing.licenses.get()
    assert (main.quantity, main.scheduled_quantity, main.scheduled_from) == (3, None, None)


MODULES = "pesagem_automatica;monitor_cozinha;link_balanco_estoque"


def in_force(client) -> dict:
    return {lic.module: lic.current_quantity() for lic in client.licenses.all()}


def test_a_new_link_client_gets_the_auxiliary_modules_of_the_file(tmp_path, partner_a):
    import_(csv_file(tmp_path, f"{HEADER};licencas;{MODULES}", f"{ROW_CPF};2;3;1;sim"))
    padaria = Client.objects.get(cpf_cnpj=CPF)
    expected = {
        Module.MAIN: 2,
        Module.AUTOMATIC_WEIGHING: 3,
        Module.KITCHEN_MONITOR: 1,
        Module.STOCK_COUNT: 1,
    }
    assert in_force(padaria) == expected
    assert padaria.events.get().after["licenses"] == {
        module.value: {"quantity": count} for module, count in expected.items()
    }


def test_a_module_at_zero_or_no_is_not_created(tmp_path, partner_a):
    import_(csv_file(tmp_path, f"{HEADER};{MODULES}", f"{ROW_CPF};0;0;não"))
    assert in_force(Client.objects.get(cpf_cnpj=CPF)) == {Module.MAIN: 1}


def test_the_module_columns_may_be_headed_by_their_labels(tmp_path, partner_a):
    header = f"{HEADER};Pesagem Automática;Monitor de Cozinha;Link Balanço Estoque"
    import_(csv_file(tmp_path, header, f"{ROW_CPF};1;2;sim"))
    counts = in_force(Client.objects.get(cpf_cnpj=CPF))
    assert (counts[Module.AUTOMATIC_WEIGHING], counts[Module.KITCHEN_MONITOR]) == (1, 2)
    assert counts[Module.STOCK_COUNT] == 1


def test_an_existing_clients_modules_change_at_once_and_the_others_stay(
    tmp_path, partner_a, make_client
):
    existing = make_client(partner_a, cpf_cnpj=CPF, product=Product.LINK, licenses=2)
    License.objects.create(client=existing, module=Module.WAITER, quantity=2)
    License.objects.create(
        client=existing,
        module=Module.AUTOMATIC_WEIGHING,
        quantity=4,
        scheduled_quantity=3,
        scheduled_from=dt.date(2026, 12, 1),
    )
    License.objects.create(client=existing, module=Module.STOCK_COUNT, quantity=1)
    out, _ = import_(csv_file(tmp_path, f"{HEADER};{MODULES}", f"{ROW_CPF};1;2;não"))

    assert "atualizados: 1" in out
    weighing = existing.licenses.get(module=Module.AUTOMATIC_WEIGHING)
    assert (weighing.quantity, weighing.scheduled_quantity, weighing.scheduled_from) == (
        1,
        None,
        None,
    )
    assert in_force(existing) == {
        Module.MAIN: 2,  # not in the file: kept
        Module.WAITER: 2,  # not a column of the file: kept
        Module.AUTOMATIC_WEIGHING: 1,
        Module.KITCHEN_MONITOR: 2,
        Module.STOCK_COUNT: 0,
    }
    event = existing.events.get()
    assert event.before["licenses"] == {
        "principal": {"quantity": 2},
        "pesagem_automatica": {"quantity": 4},
        "link_balanco_estoque": {"quantity": 1},
    }
    assert event.after["licenses"] == {
        "principal": {"quantity": 2},
        "pesagem_automatica": {"quantity": 1},
        "monitor_cozinha": {"quantity": 2},
    }
    existing.refresh_from_db()
    assert existing.version == 1  # a form loaded before the import is stale


def test_the_same_module_counts_again_change_nothing(tmp_path, partner_a):
    path = csv_file(tmp_path, f"{HEADER};{MODULES}", f"{ROW_CPF};2;0;sim")
    import_(path)
    before = database_state()
    out, _ = import_(path)
    assert "criados: 0, atualizados: 0, sem mudança: 1" in out
    assert database_state() == before


@pytest.mark.parametrize(
    ("column", "cell"),
    [("pesagem_automatica", "1"), ("monitor_cozinha", "2"), ("link_balanco_estoque", "sim")],
)
def test_a_link_module_on_a_navi_client_is_refused(tmp_path, partner_a, column, cell):
    stderr = refused_lines(tmp_path, f"{ROW_CNPJ};{cell}", header=f"{HEADER};{column}")
    assert f"linha 2: {column}: Módulo disponível só para clientes Link" in stderr


def test_importing_the_same_file_twice_changes_nothing_the_second_time(tmp_path, partner_a):
    header = f"{HEADER};licencas;suspenso;pendente"
    path = csv_file(tmp_path, header, f"{ROW_CPF};2;sim;não", f"{ROW_CNPJ};1;não;sim")
    import_(path)
    before = database_state()

    with time_machine.travel(NOW + dt.timedelta(hours=2), tick=False):
        out, _ = import_(path)

    assert "criados: 0, atualizados: 0, sem mudança: 2" in out
    assert database_state() == before  # not even updated_at or a flag's timestamp moved


def test_dry_run_reports_creates_and_updates_and_writes_nothing(tmp_path, partner_a, make_client):
    make_client(
        partner_a,
        cpf_cnpj=CNPJ,
        product=Product.NAVI,
        name="Mercado Ipê",
        city="Niterói",
        uf="RJ",
        email="ipe@ex.com.br",
        expires_on=dt.date(2026, 12, 1),
    )
    before = database_state()
    out, _ = import_(csv_file(tmp_path, HEADER, ROW_CPF, ROW_CNPJ), "--dry-run")

    assert database_state() == before
    assert "linha 2: criar Padaria Pão Quente (529.982.247-25, Link)" in out
    assert "linha 3: atualizar Mercado Ipê (11.222.333/0001-81, Navi): vencimento" in out
    assert "nada foi gravado. Seriam criados: 1, atualizados: 1, sem mudança: 0." in out


# --- refusing bad input, with line numbers --------------------------------------------------


BAD_ROWS = [
    (
        "Bar;111.111.111-11;a@ex.com.br;link;SP;São Paulo;31/12/2026",
        "cpf_cnpj: CPF/CNPJ inválido: confira os dígitos verificadores (“111.111.111-11”)",
    ),
    (
        "Bar;529.982.247-24;a@ex.com.br;link;SP;São Paulo;31/12/2026",
        "cpf_cnpj: CPF/CNPJ inválido",
    ),
    (
        "Bar;1234;a@ex.com.br;link;SP;São Paulo;31/12/2026",
        "cpf_cnpj: Informe um CPF (11 dígitos) ou um CNPJ (14 caracteres) (“1234”)",
    ),
    (f"Bar;{CNPJ};a@ex.com.br;link;XX;São Paulo;31/12/2026", "uf: UF desconhecida “XX”"),
    (
        f"Bar;{CNPJ};a@ex.com.br;link;RJ;Campinas;31/12/2026",
        "cidade: “Campinas” não é um município de RJ",
    ),
    (
        f"Bar;{CNPJ};a@ex.com.br;link;SP;São Paulo;31/02/2026",
        "vencimento: data inexistente “31/02/2026”",
    ),
    (
        f"Bar;{CNPJ};a@ex.com.br;link;SP;São Paulo;2026/12/31",
        "vencimento: data inválida “2026/12/31” (use dd/mm/aaaa ou aaaa-mm-dd)",
    ),
    (f"Bar;{CNPJ};a@ex.com.br;link;SP;São Paulo;", "vencimento: obrigatório, está vazio"),
    (f"Bar;{CNPJ};a@ex.com.br;pdv;SP;São Paulo;31/12/2026", "produto: produto desconhecido “pdv”"),
    (f"Bar;{CNPJ};nao-e-email;link;SP;São Paulo;31/12/2026", "email: “nao-e-email” não é um"),
    (f";{CNPJ};a@ex.com.br;link;SP;São Paulo;31/12/2026", "nome: obrigatório, está vazio"),
    (
        f"{'N' * 201};{CNPJ};;link;SP;São Paulo;31/12/2026",
        "nome: tem 201 caracteres; o máximo é 200",
    ),
    (
        f"Bar;{CNPJ};{'a' * 250}@ex.com.br;link;SP;São Paulo;31/12/2026",
        "email: tem 260 caracteres; o máximo é 254",
    ),
    (f"Bar;{CNPJ};a@ex.com.br;link;SP;São Paulo", "a linha tem 6 colunas e o cabeçalho tem 7"),
]


@pytest.mark.parametrize(("row", "message"), BAD_ROWS, ids=lambda value: value[:40])
def test_a_bad_row_is_refused_with_its_line_number(tmp_path, partner_a, row, message):
    stderr = refused_lines(tmp_path, ROW_CPF, row)  # the good first row is not written either
    assert f"linha 3: {message}" in stderr


@pytest.mark.parametrize(
    ("extra", "cell", "message"),
    [
        ("data_cadastro", "2024-02-30", "data_cadastro: data inexistente"),
        ("renovacao", "anual", "renovacao: método de renovação desconhecido “anual”"),
        ("licencas", "-1", "licencas: “-1” não é um número inteiro de 1 a 9999"),
        ("licencas", "0", "licencas: “0” não é um número inteiro de 1 a 9999"),
        ("licencas", "dois", "licencas: “dois” não é um número inteiro"),
        ("licencas", "²", "licencas: “²” não é um número inteiro"),
        ("licencas", "10000", "licencas: “10000” não é um número inteiro"),
        ("suspenso", "talvez", "suspenso: “talvez” não é sim/não, true/false nem 1/0"),
        ("pesagem_automatica", "-1", "pesagem_automatica: “-1” não é um número inteiro de 0 a"),
        ("monitor_cozinha", "10000", "monitor_cozinha: “10000” não é um número inteiro de 0 a"),
        ("link_balanco_estoque", "2", "link_balanco_estoque: “2” não é sim/não"),
    ],
)
def test_a_bad_optional_cell_is_refused_with_its_line_number(
    tmp_path, partner_a, extra, cell, message
):
    stderr = refused_lines(
        tmp_path, f"{ROW_CPF};", f"{ROW_CNPJ};{cell}", header=f"{HEADER};{extra}"
    )
    assert f"linha 3: {message}" in stderr


def test_oculto_on_a_client_that_would_not_be_inativo_is_refused(tmp_path, partner_a):
    stderr = refused_lines(
        tmp_path, f"{ROW_CPF};sim", f"{MERCADO};15/11/2026;sim", header=f"{HEADER};oculto"
    )
    assert (
        "linha 2: oculto: só um cliente Inativo pode ser ocultado; com vencimento 31/12/2026 "
        "este cliente fica Ativo"
    ) in stderr
    assert (
        "linha 3: oculto: só um cliente Inativo pode ser ocultado; com vencimento 15/11/2026 "
        "este cliente fica Expirado" in stderr
    )


def test_oculto_is_checked_against_the_existing_client_merged_with_the_row(
    tmp_path, partner_a, make_client
):
    # Already hidden and Inativo; the row renews it without saying oculto=não.
    make_client(
        partner_a,
        cpf_cnpj=CPF,
        product=Product.LINK,
        expires_on=dt.date(2026, 9, 30),
        hidden_at=NOW,
    )
    stderr = refused_lines(tmp_path, ROW_CPF)
    assert "linha 2: oculto: só um cliente Inativo pode ser ocultado" in stderr


def test_a_repeated_client_in_the_file_is_refused(tmp_path, partner_a):
    stderr = refused_lines(tmp_path, ROW_CPF, ROW_CNPJ, ROW_CPF.replace("Padaria", "Pizzaria"))
    assert "linha 4: cpf_cnpj e produto repetidos: já aparecem na linha 2" in stderr


def test_every_bad_row_is_reported_not_just_the_first(tmp_path, partner_a):
    stderr = refused_lines(
        tmp_path,
        "A;111;a@ex.com.br;link;SP;São Paulo;31/12/2026",
        ROW_CPF,
        f"B;{CNPJ};a@ex.com.br;link;RJ;Campinas;32/12/2026",
    )
    assert "linha 2: cpf_cnpj:" in stderr
    assert "linha 4: vencimento: data inexistente “32/12/2026”" in stderr
    assert "linha 4: cidade: “Campinas” não é um município de RJ" in stderr
    assert "linha 3" not in stderr


def test_missing_required_columns_are_refused_naming_line_1(tmp_path, partner_a):
    message = refused(csv_file(tmp_path, "nome;cpf_cnpj;produto", f"Bar;{CPF};link"))
    assert (
        "linha 1: faltam colunas obrigatórias no cabeçalho: email, uf, cidade, vencimento"
        in message
    )
    assert "Nada foi gravado" in message


def test_a_repeated_column_is_refused(tmp_path, partner_a):
    message = refused(csv_file(tmp_path, f"{HEADER};Nome", f"{ROW_CPF};Outro"))
    assert "linha 1: a coluna “nome” aparece duas vezes no cabeçalho" in message


def test_an_unknown_partner_is_refused(tmp_path, partner_a):
    message = refused(csv_file(tmp_path, HEADER, ROW_CPF), partner="gama")
    assert message == "Parceiro “gama” não encontrado: informe o código dele."


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "arquivo ou pasta não encontrado"),
        (b"", "linha 1: o arquivo está vazio ou não tem a linha de cabeçalho"),
        (b"PK\x03\x04\x14\x00\x06\x00", "arquivo ilegível: não é um CSV de texto"),
        ("nome;cpf".encode("utf-16"), "arquivo ilegível: não é um CSV de texto"),
        (
            b"nome;cidade\r\nA;\x81\x8d\r\n",
            "arquivo ilegível: a codificação não é UTF-8 nem Windows-1252",
        ),
    ],
    ids=["missing", "empty", "xlsx", "utf-16", "undecodable"],
)
def test_an_unreadable_file_is_refused(tmp_path, partner_a, content, message):
    path = tmp_path / "clientes.csv"
    if content is not None:
        path.write_bytes(content)
    assert message in refused(path)


def test_a_folder_is_refused(tmp_path, partner_a):
    assert "é uma pasta, não um arquivo" in refused(tmp_path)


def test_a_refused_import_exits_with_a_non_zero_status(tmp_path, partner_a, monkeypatch, capsys):
    # The real command line: CommandError becomes exit status 1 and a message on stderr.
    monkeypatch.setattr(connections, "close_all", lambda: None)  # keep the test's connection
    path = csv_file(tmp_path, HEADER, "Bar;111;a@ex.com.br;link;SP;São Paulo;31/12/2026")
    with pytest.raises(SystemExit) as exit_:
        ManagementUtility(["manage.py", "import_clients", "--partner", "alfa", str(path)]).execute()
    assert exit_.value.code == 1
    assert "linha 2: cpf_cnpj" in capsys.readouterr().err
    assert not Client.objects.exists()


@pytest.mark.parametrize("stop_at", ["first", "last"])
def test_an_interrupted_import_leaves_the_database_unchanged(tmp_path, partner_a, stop_at):
    # Ctrl+C after the first write, and after the last one (everything in, not committed).
    written = []

    def progress(stage, done, total):
        if stage == "gravando":
            written.append(done)
            if stop_at == "first" or done == total:
                raise KeyboardInterrupt

    before = database_state()
    with pytest.raises(KeyboardInterrupt):
        importing.import_clients(
            partner=partner_a,
            data=csv_file(tmp_path, HEADER, ROW_CPF, ROW_CNPJ).read_bytes(),
            progress=progress,
        )
    assert written
    assert database_state() == before


# --- the progress bar -----------------------------------------------------------------------


class Terminal(io.StringIO):
    def isatty(self):
        return True


def test_the_progress_bar_is_drawn_only_on_a_terminal(tmp_path, partner_a):
    piped, terminal = io.StringIO(), Terminal()
    path = csv_file(tmp_path, HEADER, ROW_CPF, ROW_CNPJ)
    for stream in (piped, terminal):
        bar = ImportProgress(OutputWrapper(stream))
        importing.import_clients(
            partner=partner_a, data=path.read_bytes(), dry_run=True, progress=bar
        )
        bar.close()
    assert piped.getvalue() == ""
    assert "validando" in terminal.getvalue()
    assert "█" in terminal.getvalue()


def test_a_document_another_partner_has_is_imported_as_pendente(
    tmp_path, partner_a, partner_b, make_client
):
    make_client(partner_b, cpf_cnpj="52998224725", product=Product.LINK)
    make_client(partner_b, cpf_cnpj="11222333000181", product=Product.LINK)  # other product
    import_(csv_file(tmp_path, HEADER, ROW_CPF, ROW_CNPJ))
    padaria = Client.objects.get(partner=partner_a, cpf_cnpj="52998224725")
    mercado = Client.objects.get(partner=partner_a, cpf_cnpj="11222333000181")
    assert client_status(padaria) == Status.PENDING
    assert padaria.pending_reason == "CPF/CNPJ já cadastrado por outro parceiro para este produto."
    assert client_status(mercado) != Status.PENDING


def test_a_file_of_new_clients_updates_nothing_and_one_of_changes_inserts_no_client(
    tmp_path, partner_a
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def writes(queries):
        return [
            " ".join(query["sql"].split()[:3])
            for query in queries.captured_queries
            if query["sql"].startswith(("INSERT", "UPDATE"))
        ]

    with CaptureQueriesContext(connection) as created:
        import_(csv_file(tmp_path, HEADER, ROW_CPF, ROW_CNPJ))
    renamed = (f"{PADARIA.replace('Quente', 'Fria')};31/12/2026", ROW_CNPJ.replace("Ipê", "Ipê 2"))
    with CaptureQueriesContext(connection) as changed:
        import_(csv_file(tmp_path, HEADER, *renamed))

    assert not [sql for sql in writes(created) if sql.startswith("UPDATE")]
    assert 'INSERT INTO "clients_client"' in writes(created)
    assert 'INSERT INTO "clients_client"' not in writes(changed)
    assert 'UPDATE "clients_client" SET' in writes(changed)
    for client in Client.objects.filter(partner=partner_a):
        registered, edited = client.events.order_by("id")
        assert registered.before == {} and registered.after["name"] == edited.before["name"]
        assert edited.after == writing._history(client, {"licenses": 1})
        assert edited.before["status"] == edited.after["status"]
        assert edited.after["name"].endswith(("Fria", "Ipê 2"))


def test_the_history_and_audit_lines_are_the_portals_on_every_database(
    tmp_path, partner_a, make_client, caplog
):
    # The history's rows are the portal's (writing._history over services.snapshot), and each
    # audit line names what its event changed.
    caplog.set_level(logging.INFO, logger="portal.audit")
    existing = make_client(
        partner_a,
        cpf_cnpj=CPF,
        product=Product.LINK,
        name="Nome antigo",
        licenses=4,
        suspended_at=NOW - dt.timedelta(days=3),
    )
    counts_before = {field: 0 for field in LICENSE_FIELDS} | {"licenses": 4}
    expected_before = writing._history(Client.objects.get(pk=existing.pk), counts_before)
    header = f"{HEADER};licencas;suspenso;pendente;motivo_pendencia"
    import_(csv_file(tmp_path, header, f"{ROW_CPF};2;não;;", f"{ROW_CNPJ};3;sim;sim;Revisar"))

    existing.refresh_from_db()
    edited = existing.events.get()
    counts = {field: 0 for field in LICENSE_FIELDS}
    assert edited.before == expected_before
    assert edited.after == writing._history(existing, counts | {"licenses": 2})
    created = Client.objects.get(cpf_cnpj=CNPJ)
    registered = created.events.get()
    assert registered.before == {}
    assert registered.after == writing._history(created, counts | {"licenses": 3})
    assert registered.after["suspended_at"] == NOW.astimezone(dt.UTC).isoformat()
    lines = {record.client: record.changed for record in caplog.records}
    for event in (edited, registered):
        before, after = event.before, event.after
        assert lines[event.client_id] == sorted(
            key for key in {*before, *after} if before.get(key) != after.get(key)
        )
    assert existing.version == 1 and created.version == 0
