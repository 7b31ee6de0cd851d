"""No-store on private pages: every response to a signed-in user that a view did not give
its own caching carries Cache-Control: no-store; exports neutralise a leading tab and
carriage return as they do = + - @."""

import pytest
from django.urls import reverse

from tests.test_client_export import csv_rows, xlsx_rows


@pytest.fixture
def navi(partner_a, make_client):
    return make_client(partner_a, product="navi")


@pytest.mark.parametrize(
    ("name", "query"),
    [
        ("home", ""),
        ("clients:list", ""),
        ("clients:list", "?_export=csv"),
        ("clients:list", "?_export=xlsx"),
        ("clients:detail", ""),
        ("clients:registration-codes", ""),
        ("clients:credit", ""),
        ("clients:credit", "?_export=csv"),
        ("clients:certificado", ""),
        ("accounts:account", ""),
        ("accounts:two-factor", ""),
    ],
)
def test_signed_in_responses_are_not_stored(client_a, navi, name, query):
    args = [navi.pk] if name in {"clients:detail", "clients:certificado"} else []
    response = client_a.get(reverse(name, args=args) + query)
    assert response.status_code == 200, name
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]


def test_the_staffs_admin_pages_are_not_stored(admin_client_):
    response = admin_client_.get(reverse("admin:clients_client_changelist"))
    assert "no-store" in response["Cache-Control"]


def test_an_invitations_page_is_not_stored(client_a, client, mailoutbox):
    import re

    client_a.post(
        reverse("accounts:invite"), {"email": "nova@alfa.example.com", "role": "consulta"}
    )
    link = re.search(r"(/convite/\S+/)", mailoutbox[-1].body).group(1)
    assert "no-store" in client.get(link)["Cache-Control"]


@pytest.mark.parametrize("export_format", ["csv", "xlsx"])
def test_a_leading_tab_or_carriage_return_is_exported_as_text(
    client_a, partner_a, make_client, export_format
):
    make_client(partner_a, name="\t=1+1")
    make_client(partner_a, name="\r=cmd|' /C calc'!A0")
    response = client_a.get(reverse("clients:list"), {"_export": export_format})
    rows = (csv_rows if export_format == "csv" else xlsx_rows)(response)
    names = sorted(row[1] for row in rows[1:])
    # Each marked as text by the apostrophe (openpyxl reads the XLSX's \r back as \n).
    assert [(name[0], name[2:]) for name in names] == [("'", "=1+1"), ("'", "=cmd|' /C calc'!A0")]
    assert names[0][1] == "\t" and names[1][1] in "\r\n"
