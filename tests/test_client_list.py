"""The Clientes screen (/clientes/): table, filters, ordering, counts, Link details, notice."""

import datetime
import html
import re
import warnings

import pytest
from django.urls import reverse
from django.utils import timezone

from clients.domain.documents import cpf_from_base
from clients.domain.status import Status
from clients.models import License, Module, Product, RegistrationCode, Renewal

URL = reverse("clients:list")


def listed_ids(response):
    """The client IDs in the table, in order (the ID column)."""
    body = response.text.split("<tbody", 1)[1].split("</tbody>", 1)[0]
    return [int(pk) for pk in re.findall(r"<tr [^>]*data-id=\"(\d+)\"", body)]


# The table -----------------------------------------------------------------------------------


def test_it_shows_the_partners_clients_with_every_column(client_a, partner_a, make_client, today):
    make_client(
        partner_a,
        name="Mercado Bom Preço",
        cpf_cnpj=cpf_from_base("529982247"),
        product=Product.LINK,
        registered_on=datetime.date(2025, 2, 3),
        expires_on=datetime.date(2026, 7, 9),
    )
    response = client_a.get(URL)
    assert response.status_code == 200
    page = response.text
    for header in ("ID", "Nome", "CPF/CNPJ", "Data de cadastro", "Produto", "Vencimento"):
        assert f">{header}</a>" in page
    assert "Mercado Bom Preço" in page
    assert "529.982.247-25" in page
    assert "03/02/2025" in page
    assert "09/07/2026" in page
    assert '<span class="badge status-badge status-ativo">Ativo</span>' in page


def test_it_hides_other_partners_clients(client_a, partner_a, partner_b, make_client):
    mine = make_client(partner_a, name="Mercado da Alfa")
    theirs = make_client(partner_b, name="Padaria da Beta")
    for query in ("", f"?q={theirs.pk}", f"?q={theirs.cpf_cnpj}", "?q=Beta", "?status=ativo"):
        response = client_a.get(URL + query)
        assert "Padaria da Beta" not in response.text
        assert theirs.pk not in listed_ids(response)
    assert listed_ids(client_a.get(URL)) == [mine.pk]


def test_it_lists_every_status_but_oculto_by_default(client_a, every_status):
    ids = listed_ids(client_a.get(URL))
    assert set(ids) == {c.pk for s, c in every_status.items() if s != Status.HIDDEN}


def test_it_pages_fifty_rows_by_default(client_a, partner_a, make_client):
    created = [make_client(partner_a, name=f"Cliente {n:03d}") for n in range(55)]
    first = client_a.get(URL)
    second = client_a.get(URL + "?page=2")
    assert listed_ids(first) == [c.pk for c in created[:50]]
    assert listed_ids(second) == [c.pk for c in created[50:]]
    assert "Mostrando 1–50 de 55" in first.text
    assert "Mostrando 51–55 de 55" in second.text


def test_the_page_size_is_bounded(client_a, partner_a, make_client):
    for n in range(105):
        make_client(partner_a, name=f"Cliente {n:03d}")
    assert len(listed_ids(client_a.get(URL + "?per_page=100000"))) == 100
    assert len(listed_ids(client_a.get(URL + "?per_page=-5"))) == 50
    assert len(listed_ids(client_a.get(URL + "?per_page=10"))) == 10


# Ordering ------------------------------------------------------------------------------------

ORDERINGS = {
    # column: (field, how the clients are created so that the order is unambiguous)
    "id": lambda c: c.pk,
    "name": lambda c: c.name,
    "cpf_cnpj": lambda c: c.cpf_cnpj,
    "registered_on": lambda c: c.registered_on,
    "product": lambda c: (c.product, c.name),
    "expires_on": lambda c: c.expires_on,
}


@pytest.fixture
def three_clients(partner_a, make_client, today):
    return [
        make_client(
            partner_a,
            name="Bar Central",
            product=Product.NAVI,
            registered_on=datetime.date(2024, 1, 1),
            expires_on=datetime.date(2026, 9, 1),
        ),
        make_client(
            partner_a,
            name="Açougue Real",
            product=Product.LINK,
            registered_on=datetime.date(2025, 1, 1),
            expires_on=datetime.date(2026, 5, 10),
        ),
        make_client(
            partner_a,
            name="Padaria Ipê",
            product=Product.NAVI,
            registered_on=datetime.date(2023, 1, 1),
            expires_on=datetime.date(2027, 1, 1),
            suspended_at=timezone.now(),
        ),
    ]


@pytest.mark.parametrize("column", ORDERINGS)
def test_every_column_sorts_both_ways(client_a, three_clients, column):
    key = ORDERINGS[column]
    ascending = [c.pk for c in sorted(three_clients, key=key)]
    assert listed_ids(client_a.get(f"{URL}?sort={column}")) == ascending
    assert listed_ids(client_a.get(f"{URL}?sort=-{column}")) == ascending[::-1]


def test_the_status_column_sorts_by_status(client_a, three_clients):
    # ativo < expirado < suspenso
    bar, acougue, padaria = three_clients
    assert listed_ids(client_a.get(URL + "?sort=status")) == [bar.pk, acougue.pk, padaria.pk]
    assert listed_ids(client_a.get(URL + "?sort=-status")) == [padaria.pk, acougue.pk, bar.pk]


def test_it_sorts_by_name_by_default(client_a, three_clients):
    bar, acougue, padaria = three_clients
    response = client_a.get(URL)
    assert listed_ids(response) == [acougue.pk, bar.pk, padaria.pk]
    assert 'aria-sort="ascending"' in response.text


# Filters -------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", list(Status))
def test_each_status_filter_lists_exactly_that_status(client_a, every_status, status):
    assert listed_ids(client_a.get(f"{URL}?status={status.value}")) == [every_status[status].pk]


def test_several_statuses_are_combined(client_a, every_status):
    ids = listed_ids(client_a.get(URL + "?status=suspenso&status=oculto"))
    assert set(ids) == {every_status[Status.SUSPENDED].pk, every_status[Status.HIDDEN].pk}


def test_it_filters_by_product_uf_and_renewal(client_a, partner_a, make_client):
    link_sp = make_client(partner_a, product=Product.LINK, uf="SP", city="Campinas")
    navi_rj = make_client(
        partner_a, product=Product.NAVI, uf="RJ", city="Niterói", renewal=Renewal.BILLING
    )
    assert listed_ids(client_a.get(URL + "?produto=link")) == [link_sp.pk]
    assert listed_ids(client_a.get(URL + "?produto=navi")) == [navi_rj.pk]
    assert listed_ids(client_a.get(URL + "?uf=RJ")) == [navi_rj.pk]
    assert listed_ids(client_a.get(URL + "?renovacao=cobranca")) == [navi_rj.pk]
    assert listed_ids(client_a.get(URL + "?renovacao=manual&uf=SP")) == [link_sp.pk]


def test_it_filters_by_a_vencimento_range(client_a, partner_a, make_client, today):
    june = make_client(partner_a, expires_on=datetime.date(2026, 6, 10))
    july = make_client(partner_a, expires_on=datetime.date(2026, 7, 10))
    august = make_client(partner_a, expires_on=datetime.date(2026, 8, 10))
    ids = listed_ids(client_a.get(URL + "?vencimento_de=2026-06-10&vencimento_ate=2026-07-10"))
    assert set(ids) == {june.pk, july.pk}
    assert listed_ids(client_a.get(URL + "?vencimento_de=2026-07-11")) == [august.pk]
    # The pt-BR form of a date is understood too.
    assert listed_ids(client_a.get(URL + "?vencimento_ate=09/06/2026")) == []


def test_the_search_finds_a_name_in_any_case(client_a, partner_a, make_client):
    padaria = make_client(partner_a, name="Padaria Estrela")
    make_client(partner_a, name="Mercado Central")
    assert listed_ids(client_a.get(URL + "?q=estrela")) == [padaria.pk]
    assert listed_ids(client_a.get(URL + "?q=DARIA EST")) == [padaria.pk]


def test_the_search_ignores_accents_on_either_side(client_a, partner_a, make_client):
    acougue = make_client(partner_a, name="Açougue São João")
    make_client(partner_a, name="Padaria Estrela")
    for term in ("Acougue", "açougue", "ACOUGUE SAO", "sao joão", "AÇOUGUE SÃO JOÃO"):
        assert listed_ids(client_a.get(URL, {"q": term})) == [acougue.pk], term


def test_the_search_finds_a_fragment_of_a_cpf_or_cnpj(client_a, partner_a, make_client):
    person = make_client(partner_a, cpf_cnpj="529.982.247-25")
    company = make_client(partner_a, cpf_cnpj="12.ABC.345/01DE-35")
    assert listed_ids(client_a.get(URL, {"q": "5299"})) == [person.pk]  # a prefix
    assert listed_ids(client_a.get(URL, {"q": "982.247"})) == [person.pk]  # punctuated
    assert listed_ids(client_a.get(URL, {"q": "82247"})) == [person.pk]
    assert listed_ids(client_a.get(URL, {"q": "345/01de"})) == [company.pk]
    assert listed_ids(client_a.get(URL, {"q": "01DE-35"})) == [company.pk]
    # Fewer than 4 characters is not a fragment (it would match nearly everybody).
    assert listed_ids(client_a.get(URL, {"q": "529"})) == []


def test_the_search_finds_a_cpf_or_cnpj_with_or_without_punctuation(
    client_a, partner_a, make_client
):
    person = make_client(partner_a, cpf_cnpj="529.982.247-25")
    company = make_client(partner_a, cpf_cnpj="12.ABC.345/01DE-35")
    assert listed_ids(client_a.get(URL + "?q=529.982.247-25")) == [person.pk]
    assert listed_ids(client_a.get(URL + "?q=52998224725")) == [person.pk]
    assert listed_ids(client_a.get(URL + "?q=12.abc.345/01de-35")) == [company.pk]
    assert listed_ids(client_a.get(URL + "?q=12ABC34501DE35")) == [company.pk]


def test_the_search_finds_an_id(client_a, partner_a, make_client):
    wanted = make_client(partner_a, name="Loja Aurora")
    make_client(partner_a, name="Loja Real")
    assert wanted.pk in listed_ids(client_a.get(f"{URL}?q={wanted.pk}"))
    assert listed_ids(client_a.get(f"{URL}?q= {wanted.pk} ")) == [wanted.pk]


@pytest.mark.parametrize("term", ["¹", "²³", "٣"])
def test_a_search_of_unicode_digits_is_a_name_search_not_an_id(
    client_a, partner_a, make_client, term
):
    """Found by the list's fuzz test: "¹".isdigit() is true, int("¹") fails (a 500)."""
    make_client(partner_a, name="Loja Aurora")
    response = client_a.get(URL, {"q": term})
    assert response.status_code == 200
    assert listed_ids(response) == []


def test_the_search_does_not_show_oculto_clients_unless_asked(client_a, every_status):
    hidden = every_status[Status.HIDDEN]
    assert listed_ids(client_a.get(URL + "?q=Oculto")) == []
    assert listed_ids(client_a.get(URL + "?q=Oculto&status=oculto")) == [hidden.pk]


# Status counts -------------------------------------------------------------------------------


def status_count(response, status):
    match = re.search(
        rf'status-count-{status.value}[^"]*" href="([^"]*)".*?status-count-number">([\d.]+)<',
        response.text,
        re.S,
    )
    return int(match.group(2).replace(".", ""))


def count_link(response, status):
    match = re.search(rf'status-count-{status.value}[^"]*" href="([^"]*)"', response.text)
    return html.unescape(match.group(1))


def test_it_counts_the_partners_clients_per_status(
    client_a, every_status, partner_a, partner_b, make_client
):
    make_client(partner_a, name="Outro Ativo")
    make_client(partner_b, name="Ativo da Beta")
    response = client_a.get(URL)
    expected = {status: 1 for status in Status} | {Status.ACTIVE: 2}
    assert {status: status_count(response, status) for status in Status} == expected


def test_the_counts_keep_the_other_filters(client_a, every_status, partner_a, make_client):
    make_client(partner_a, name="Ativo Link", product=Product.LINK)
    make_client(partner_a, name="Ativo Link no RJ", product=Product.LINK, uf="RJ", city="Niterói")
    make_client(partner_a, name="Suspenso Link", product=Product.LINK, suspended_at=timezone.now())
    response = client_a.get(URL, {"produto": "link", "uf": "SP", "status": "suspenso"})
    expected = {status: 0 for status in Status} | {Status.ACTIVE: 1, Status.SUSPENDED: 1}
    assert {status: status_count(response, status) for status in Status} == expected
    # The search too.
    response = client_a.get(URL, {"q": "Cliente", "status": "ativo"})
    assert {status: status_count(response, status) for status in Status} == {
        status: 1 for status in Status
    }


def test_each_count_links_to_its_status_filter(client_a, every_status):
    response = client_a.get(URL)
    for status in Status:
        assert count_link(response, status) == f"?status={status.value}"
    filtered = client_a.get(URL + "?status=expirado")
    assert re.search(r'status-count-expirado active" href="\?status=expirado"', filtered.text)


def test_the_count_links_keep_the_other_filters_and_drop_the_page(client_a, every_status):
    response = client_a.get(
        URL, {"produto": "navi", "q": "Cliente", "status": ["ativo", "expirado"], "page": "2"}
    )
    link = count_link(response, Status.SUSPENDED)
    assert link == "?produto=navi&q=Cliente&status=suspenso"


# Link details --------------------------------------------------------------------------------


def test_a_link_row_expands_to_version_licenses_and_key(client_a, partner_a, make_client, today):
    link = make_client(
        partner_a,
        name="Mercado Ativado",
        product=Product.LINK,
        license_key="ALFA-0001-XYZ",
        link_version="4.2.1",
        licenses=3,
    )
    RegistrationCode.objects.create(client=link, consumed_at=timezone.now())
    page = client_a.get(URL).text
    assert '<details class="link-details">' in page  # works without JavaScript
    assert 'aria-label="Detalhes do Link de Mercado Ativado"' in page
    assert "<dt>Versão do Link</dt><dd>4.2.1</dd>" in page
    assert "<dt>Licenças</dt><dd>3 licenças</dd>" in page
    assert "ALFA-0001-XYZ" in page
    assert "Código de registro" not in page


def test_a_link_row_not_activated_shows_its_registration_code(
    client_a, partner_a, make_client, today
):
    link = make_client(partner_a, name="Mercado Novo", product=Product.LINK)
    code = RegistrationCode.objects.create(client=link)
    page = client_a.get(URL).text
    assert "<dt>Código de registro</dt>" in page
    assert code.code in page
    assert "ainda não informada" in page  # no Link version reported yet


def test_the_licenses_shown_are_the_count_in_force_today(client_a, partner_a, make_client, today):
    link = make_client(partner_a, product=Product.LINK, licenses=5)
    License.objects.filter(client=link, module=Module.MAIN).update(
        scheduled_quantity=2, scheduled_from=today
    )
    assert "<dt>Licenças</dt><dd>2 licenças</dd>" in client_a.get(URL).text


def test_a_scheduled_reduction_shows_beside_the_count_in_force(
    client_a, partner_a, make_client, today
):
    link = make_client(partner_a, product=Product.LINK, licenses=5)
    License.objects.filter(client=link, module=Module.MAIN).update(
        scheduled_quantity=2, scheduled_from=datetime.date(2026, 6, 1)
    )
    page = client_a.get(URL).text
    assert "<dt>Licenças</dt><dd>5 licenças; 2 a partir de 01/06/2026</dd>" in page


def test_navi_rows_have_no_link_details(client_a, partner_a, make_client):
    make_client(partner_a, name="Loja Navi", product=Product.NAVI)
    assert "Detalhes do Link de" not in client_a.get(URL).text


# The unused-codes notice ---------------------------------------------------------------------


def test_the_notice_counts_the_partners_unused_codes(client_a, partner_a, partner_b, make_client):
    for name in ("Um", "Dois"):
        RegistrationCode.objects.create(client=make_client(partner_a, name=name, product="link"))
    used = make_client(partner_a, product=Product.LINK)
    RegistrationCode.objects.create(client=used, consumed_at=timezone.now())
    RegistrationCode.objects.create(client=make_client(partner_b, product=Product.LINK))
    page = client_a.get(URL).text
    assert "Há <strong>2</strong> códigos de registro ainda não utilizados" in page
    assert f'href="{reverse("clients:registration-codes")}"' in page
    assert ">Visualizar</a>" in page


def test_there_is_no_notice_when_every_code_was_used(client_a, partner_a, make_client):
    used = make_client(partner_a, product=Product.LINK)
    RegistrationCode.objects.create(client=used, consumed_at=timezone.now())
    page = client_a.get(URL).text
    assert "ainda não utilizado" not in page
    assert "Visualizar" not in page


# "+ Novo cliente" ----------------------------------------------------------------------------


def test_the_new_client_button_is_there(client_a):
    page = client_a.get(URL).text
    assert "Novo cliente</" in page


# Bad input -----------------------------------------------------------------------------------


def test_an_unknown_status_is_reported_and_ignored(client_a, every_status):
    response = client_a.get(URL + "?status=desconhecido")
    assert response.status_code == 200
    assert "Faça uma escolha válida" in response.text
    expected = {c.pk for s, c in every_status.items() if s != Status.HIDDEN}
    assert set(listed_ids(response)) == expected


def test_a_malformed_date_is_reported_and_ignored(client_a, partner_a, make_client):
    created = make_client(partner_a)
    response = client_a.get(URL + "?vencimento_de=2026-13-45&vencimento_ate=ontem")
    assert response.status_code == 200
    assert response.text.count("Informe uma data válida") == 2
    assert listed_ids(response) == [created.pk]


@pytest.mark.parametrize("page", ["999999", "0", "-3", "abc", "1e3", "9" * 40])
def test_a_page_out_of_range_shows_a_page(client_a, partner_a, make_client, page):
    created = make_client(partner_a)
    response = client_a.get(f"{URL}?page={page}")
    assert response.status_code == 200
    assert listed_ids(response) == [created.pk]


@pytest.mark.parametrize(
    "sort", ["partner", "-email", "status_value", "__class__", "", "-", "name.upper", "a.b,-c"]
)
def test_sorting_by_a_non_column_keeps_the_default_order(client_a, three_clients, sort):
    bar, acougue, padaria = three_clients
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)  # not even django-tables2's
        response = client_a.get(f"{URL}?sort={sort}")
    assert response.status_code == 200
    assert listed_ids(response) == [acougue.pk, bar.pk, padaria.pk]


def test_a_huge_search_is_reported_and_ignored(client_a, partner_a, make_client):
    created = make_client(partner_a)
    response = client_a.get(URL, {"q": "x" * 10_000})
    assert response.status_code == 200
    assert "no máximo 100 caracteres" in response.text
    assert listed_ids(response) == [created.pk]


@pytest.mark.parametrize(
    "query",
    [
        {"q": "\x00"},
        {"q": "%_\\'\""},
        {"q": "9" * 30},
        {"produto": "tablet"},
        {"uf": "XX"},
        {"renovacao": "sempre"},
        {"_export": "pdf"},
        {"status": ["ativo", "ativo"]},
    ],
)
def test_odd_input_never_breaks_the_page(client_a, partner_a, make_client, query):
    make_client(partner_a)
    assert client_a.get(URL, query).status_code == 200


# Speed: queries per page are constant --------------------------------------------------------


@pytest.mark.parametrize("rows", [1, 50])
def test_a_list_page_takes_eight_queries_whatever_its_size(
    client_a, partner_a, make_client, django_assert_num_queries, rows
):
    for n in range(rows):
        product = Product.LINK if n % 2 else Product.NAVI
        RegistrationCode.objects.create(
            client=make_client(partner_a, name=f"Cliente {n:02d}", product=product)
        )
    # 1. the session, 2. the user, 3. the user's partner and role (the partner middleware),
    # 4. the status counts (the partner's status tally without other filters, the filtered
    # clients otherwise; they also give the table's row count), 5. the unused registration
    # codes (COUNT), 6. the page's rows (the page's ids and their rows, in one query),
    # 7. their licenses, main and modules (prefetched), 8. their unused registration codes
    # (prefetched).
    for query in ("", "?status=ativo&status=expirado&page=1&sort=-expires_on"):
        with django_assert_num_queries(8):
            response = client_a.get(URL + query)
        assert len(listed_ids(response)) == rows


@pytest.mark.parametrize("rows", [1, 50])
def test_a_filtered_list_page_takes_as_many_queries(
    client_a, partner_a, make_client, django_assert_num_queries, rows
):
    for n in range(rows):
        make_client(partner_a, name=f"Cliente {n:02d}", uf="RJ", city="Niterói")
    # As above: the status counts under the search and the UF give the row count too.
    with django_assert_num_queries(8):
        response = client_a.get(URL + "?q=cliente&uf=RJ")
    assert len(listed_ids(response)) == rows


def test_the_row_count_matches_the_list_whatever_the_filters(client_a, every_status):
    for query, expected in [
        ("", 5),
        ("?status=ativo&status=oculto", 2),
        ("?status=oculto", 1),
        ("?status=nenhum", 5),
        ("?q=Cliente", 5),
        ("?q=Cliente&status=suspenso", 1),
        ("?vencimento_de=2026-05-01", 4),
    ]:
        response = client_a.get(URL + query)
        assert len(listed_ids(response)) == expected, query
        assert f"{expected} clientes" in response.text or f"{expected} cliente\n" in response.text


# Each row has its cells in the columns' order -----------------------------------------------


def test_each_row_has_a_cell_under_each_header_in_order(client_a, partner_a, make_client):
    link = make_client(partner_a, name="Mercado Link", product=Product.LINK)
    make_client(partner_a, name="Loja Navi", product=Product.NAVI)
    page = client_a.get(URL).text
    header = page.split("<thead", 1)[1].split("</thead>", 1)[0]
    headers = [
        re.sub(r"<[^>]+>", "", th).strip() for th in re.findall(r"<th .*?</th>", header, re.S)
    ]
    body = page.split("<tbody", 1)[1].split("</tbody>", 1)[0]
    rows = re.findall(r"<tr data-id=.*?</tr>", body, re.S)
    assert len(rows) == 2
    for row in rows:
        cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        assert len(cells) == len(headers)
    link_row = next(row for row in rows if f'data-id="{link.pk}"' in row)
    cells = re.findall(r"<td[^>]*>(.*?)</td>", link_row, re.S)
    by_header = dict(zip(headers, cells, strict=True))
    assert by_header["ID"] == str(link.pk)
    assert ">Mercado Link</a>" in by_header["Nome"]
    assert by_header["Produto"] == "Link"
    assert "status-ativo" in by_header["Status"]
    assert "Detalhes do Link de Mercado Link" in by_header["Detalhes do Link"]
    assert 'aria-label="Ações de Mercado Link"' in by_header["Ações"]


def test_the_filter_form_shows_each_querys_own_values_and_errors(client_a, partner_a, make_client):
    # The form's HTML is kept per distinct query (clients.screen.filters.RenderedForms).
    make_client(partner_a)
    first = client_a.get(URL, {"q": "Padaria", "uf": "SP"}).text
    second = client_a.get(URL, {"q": "Mercado"}).text
    assert 'value="Padaria"' in first and 'value="Mercado"' not in first
    assert 'value="Mercado"' in second and 'value="Padaria"' not in second
    assert '<option value="SP" selected>' in first and '<option value="SP" selected>' not in second
    assert "Informe uma data válida" not in first
    assert (
        "Informe uma data válida"
        in client_a.get(URL, {"q": "Padaria", "uf": "SP", "vencimento_de": "ontem"}).text
    )
