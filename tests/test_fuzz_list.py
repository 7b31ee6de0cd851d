"""Fuzzing the filters: the Clientes list (clients:list) and the admin's client list, with
hostile query parameters, repeated or alone. Never a 5xx, stored names escaped, and whatever
the filters say, never another partner's client.

Only the query parameters' names are assumed of the list (q, status, produto, uf, renovacao,
vencimento_de, vencimento_ate, page, sort, _export), so this holds for any list built on them.
"""

from urllib.parse import quote

import pytest
from django.urls import reverse
from hypothesis import event, given
from hypothesis import strategies as st

from clients.domain.status import Status
from clients.models import Client, Renewal
from tests.fuzz import HTML, assert_escaped, assert_no_server_error, fuzz_settings, text

DATES = [
    "2026-11-20",
    "20/11/2026",
    "2026-02-30",
    "31/02/2026",
    "9999-12-31",
    "31/12/9999",
    "0001-01-01",
    "0000-00-00",
    "-1",
    "1e10",
    "2026-11-20T10:00",
    "hoje",
]
PAGES = ["1", "2", "0", "-1", "99999999999999999999", "last", "1.5", "NaN", "١"]
SORTS = ["name", "-name", "id", "-vencimento", "status", "-status", "__class__", "-", "name,-id"]
SORTS += ["partner__name", "password", "cpf_cnpj", "expires_on", "?"]
VALUES = {
    "q": ["Mercado", "529.982.247-25", "52998224725", "1", "%", "_"],
    "status": [*Status.values, "", "ATIVO", "ativo,suspenso"],
    "produto": ["link", "navi", "", "LINK"],
    "uf": ["SP", "sp", "XX", ""],
    "renovacao": [*Renewal.values, ""],
    "vencimento_de": DATES,
    "vencimento_ate": DATES,
    "page": PAGES,
    "sort": SORTS,
    "_export": ["csv", "xlsx", "json", "tsv", "ods", ""],
}
OTHER_PARTNERS_CLIENT = "Padaria Só da Beta"


def parameter(name):
    one = st.one_of(st.sampled_from(VALUES[name]), text)
    return st.one_of(one, st.lists(one, min_size=2, max_size=4))


queries = st.fixed_dictionaries({}, optional={name: parameter(name) for name in VALUES})


@pytest.fixture
def clients_everywhere(partner_a, partner_b, make_client_in):
    """A client of partner A in every status, named like markup; one of partner B."""
    for number, status in enumerate(Status):
        make_client_in(partner_a, status, name=HTML[number % len(HTML)])
    make_client_in(partner_b, Status.ACTIVE, name=OTHER_PARTNERS_CLIENT)


def assert_only_partner_a(response):
    body = b"".join(response.streaming_content) if response.streaming else response.content
    for encoding in ("utf-8", "utf-16", "cp1252"):
        assert OTHER_PARTNERS_CLIENT.encode(encoding) not in body


@given(query=queries)
@fuzz_settings(max_examples=80)
def test_the_client_list_survives_any_query(client_a, clients_everywhere, query):
    response = client_a.get(reverse("clients:list"), query)
    event(f"HTTP {response.status_code} {response.get('Content-Type', '').split(';')[0]}")
    assert_no_server_error(response)
    assert_escaped(response)
    assert_only_partner_a(response)


@given(raw=text)
@fuzz_settings(max_examples=30)
def test_the_client_list_survives_any_raw_query_string(client_a, clients_everywhere, raw):
    response = client_a.get(reverse("clients:list") + "?" + quote(raw, safe="=&;%+"))
    assert_no_server_error(response)
    assert_escaped(response)
    assert_only_partner_a(response)


ADMIN_VALUES = {
    "q": VALUES["q"],
    "status": VALUES["status"],
    "product__exact": VALUES["produto"],
    "renewal__exact": VALUES["renovacao"],
    "uf__exact": VALUES["uf"],
    "partner__id__exact": ["1", "abc", "-1", "99999999999999999999"],
    "o": ["1", "-2", "1.2.3", "99", "x"],
    "p": PAGES,
}


@given(
    query=st.fixed_dictionaries(
        {},
        optional={
            name: st.one_of(st.sampled_from(values), text) for name, values in ADMIN_VALUES.items()
        },
    )
)
@fuzz_settings(max_examples=40)
def test_the_admin_client_list_survives_any_query(staff_http, clients_everywhere, query):
    response = staff_http.get(reverse("admin:clients_client_changelist"), query)
    event(f"HTTP {response.status_code}")
    assert_no_server_error(response)
    assert_escaped(response)


@given(page=st.one_of(st.sampled_from(PAGES), text))
@fuzz_settings(max_examples=20)
def test_the_history_list_survives_any_page(client_a, clients_everywhere, page):
    shop = Client.objects.filter(partner__code="alfa").first()
    response = client_a.get(reverse("clients:history", args=[shop.pk]), {"page": page})
    assert_no_server_error(response)
    assert_escaped(response)


@given(uf=st.one_of(st.sampled_from(VALUES["uf"]), text))
@fuzz_settings(max_examples=20)
def test_the_cities_lookup_answers_json_to_any_uf(client_a, uf):
    response = client_a.get(reverse("clients:cities"), {"uf": uf})
    assert response.status_code in (200, 404)
    assert isinstance(response.json(), dict)
