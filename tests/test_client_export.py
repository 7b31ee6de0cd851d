"""Export of the filtered Clientes list: ?_export=csv and ?_export=xlsx, streamed."""

import csv
import datetime
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from clients.domain.documents import cpf_from_base
from clients.domain.status import Status
from clients.models import License, Module, Product

URL = reverse("clients:list")
HEADER = [
    "ID",
    "Nome",
    "CPF/CNPJ",
    "Data de cadastro",
    "Produto",
    "Vencimento",
    "Status",
    "Pesagem Automática",
    "Monitor de Cozinha",
    "Link Balanço Estoque",
]


def csv_rows(response):
    assert response.streaming
    content = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(content), delimiter=";"))


def test_the_csv_opens_in_excel_in_portuguese(client_a, partner_a, make_client, today):
    make_client(partner_a, name="Açougue, Bar; e Cia", expires_on=datetime.date(2026, 6, 1))
    content = b"".join(client_a.get(URL + "?_export=csv").streaming_content)
    assert content.startswith(b"\xef\xbb\xbf")  # UTF-8 with a byte-order mark
    lines = content.decode("utf-8-sig").split("\r\n")
    assert lines[0] == ";".join(HEADER)  # ";" between cells, as Excel in Portuguese reads
    assert '"Açougue, Bar; e Cia"' in lines[1] and ";01/06/2026;" in lines[1]


def xlsx_rows(response):
    content = b"".join(response.streaming_content)
    sheet = load_workbook(io.BytesIO(content), read_only=True).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def test_the_csv_has_the_tables_columns_formatted(client_a, partner_a, make_client, today):
    created = make_client(
        partner_a,
        name="Mercado São Jorge",
        cpf_cnpj=cpf_from_base("529982247"),
        product=Product.LINK,
        registered_on=datetime.date(2025, 2, 3),
        expires_on=datetime.date(2026, 5, 10),
    )
    response = client_a.get(URL + "?_export=csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="clientes-2026-05-15.csv"'
    assert csv_rows(response) == [
        HEADER,
        [
            str(created.pk),
            "Mercado São Jorge",
            "529.982.247-25",
            "03/02/2025",
            "Link",
            "10/05/2026",
            "Expirado",
            "0",
            "0",
            "não",
        ],
    ]


def test_the_export_has_the_auxiliary_modules_in_force(client_a, partner_a, make_client, today):
    shop = make_client(partner_a, product=Product.LINK)
    License.objects.create(client=shop, module=Module.AUTOMATIC_WEIGHING, quantity=3)
    License.objects.create(  # a reduction in force from today
        client=shop,
        module=Module.KITCHEN_MONITOR,
        quantity=5,
        scheduled_quantity=2,
        scheduled_from=today,
    )
    License.objects.create(client=shop, module=Module.STOCK_COUNT, quantity=1)
    (_, row) = csv_rows(client_a.get(URL + "?_export=csv"))
    assert row[-3:] == ["3", "2", "sim"]
    (_, row) = xlsx_rows(client_a.get(URL + "?_export=xlsx"))
    assert row[-3:] == [3, 2, "sim"]


def test_the_export_has_every_matching_row_not_just_the_page(client_a, partner_a, make_client):
    created = [make_client(partner_a, name=f"Cliente {n:03d}") for n in range(60)]
    rows = csv_rows(client_a.get(URL + "?_export=csv&page=2"))
    assert [int(row[0]) for row in rows[1:]] == [c.pk for c in created]


def test_the_export_follows_the_filters_and_the_order(client_a, every_status):
    rows = csv_rows(client_a.get(URL + "?_export=csv&status=ativo&status=oculto&sort=-name"))
    assert [row[1] for row in rows[1:]] == ["Cliente Oculto", "Cliente Ativo"]
    assert [row[6] for row in rows[1:]] == ["Oculto", "Ativo"]


def test_the_export_labels_every_status(client_a, every_status):
    status_values = ",".join(f"status={s.value}" for s in Status).replace(",", "&")
    rows = csv_rows(client_a.get(f"{URL}?_export=csv&{status_values}"))
    assert {row[1]: row[6] for row in rows[1:]} == {f"Cliente {s.label}": s.label for s in Status}


def test_the_export_has_only_the_partners_clients(client_a, partner_a, partner_b, make_client):
    make_client(partner_a, name="Mercado da Alfa")
    make_client(partner_b, name="Padaria da Beta")
    rows = csv_rows(client_a.get(URL + "?_export=csv&q=da"))
    assert [row[1] for row in rows[1:]] == ["Mercado da Alfa"]
    rows = xlsx_rows(client_a.get(URL + "?_export=xlsx"))
    assert [row[1] for row in rows[1:]] == ["Mercado da Alfa"]


def test_the_xlsx_has_the_same_content(client_a, every_status):
    response = client_a.get(URL + "?_export=xlsx&sort=id")
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert 'filename="clientes-2026-05-15.xlsx"' in response["Content-Disposition"]
    csv_content = csv_rows(client_a.get(URL + "?_export=csv&sort=id"))
    assert [[str(v) for v in row] for row in xlsx_rows(response)] == csv_content


def test_an_empty_export_still_has_its_header(client_a, partner_a):
    assert csv_rows(client_a.get(URL + "?_export=csv")) == [HEADER]


@pytest.mark.parametrize("export_format", ["csv", "xlsx"])
def test_anonymous_users_cannot_export(client, db, export_format):
    response = client.get(f"{URL}?_export={export_format}")
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_the_csv_is_read_in_chunks(client_a, partner_a, make_client, django_assert_num_queries):
    for n in range(3):
        make_client(partner_a, name=f"Cliente {n}")
    # 1. the session, 2. the user, 3. the partner; 4. the count (above
    # EXPORT_STREAM_MAX_ROWS the export is a job); 5. the rows, through a server-side
    # cursor on PostgreSQL (values_list().iterator()): nothing else, whatever the size.
    with django_assert_num_queries(5):
        assert len(csv_rows(client_a.get(URL + "?_export=csv"))) == 4


@pytest.mark.parametrize("export_format", ["csv", "xlsx"])
def test_a_name_that_looks_like_a_formula_is_exported_as_text(
    client_a, partner_a, make_client, export_format
):
    make_client(partner_a, name='=HYPERLINK("http://x","y")')
    make_client(partner_a, name="Loja = Boa")
    response = client_a.get(reverse("clients:list"), {"_export": export_format})
    rows = (csv_rows if export_format == "csv" else xlsx_rows)(response)
    names = sorted(row[1] for row in rows[1:])
    assert names == ['\'=HYPERLINK("http://x","y")', "Loja = Boa"]
