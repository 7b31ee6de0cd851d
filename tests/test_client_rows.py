"""The Clientes table's rows (clients.screen.tables.ClientTable.page_rows): every kind
of row for every role, names escaped, the menus' CSRF token, two rows pinned cell by cell."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from clients.domain.documents import cnpj_from_base, cpf_from_base
from clients.domain.status import Status
from clients.models import Certificate, License, Module, Product, RegistrationCode, Renewal
from partners.models import Role

LIST = reverse("clients:list")
RENEWALS = reverse("clients:renewals")
# A name that is HTML and holds braces: shown escaped, as written.
AWKWARD_NAME = 'Bar & Café <b>"D\'Ávila"</b> {pk} {name} {{x}}'

# Two rows of an Administrador's Clientes page (15 May 2026), with the whitespace between tags
# taken out (`compact`): str.format patterns of the client's pk.
LINK_ROW = (
    '<tr data-id="{pk}"><td class="col-select"><input type="checkbox" class='
    '"form-check-input" name="id" value="{pk}" form="bulk-form" aria-label="Selecionar Me'
    'rcado Bom Preço"></td><td><details class="link-details"><summary class="link-details'
    '-toggle" aria-label="Detalhes do Link de Mercado Bom Preço"><span class="caret" aria'
    '-hidden="true"></span></summary><div class="link-details-body"><dl class="link-detai'
    'ls-list"><div><dt>Versão do Link</dt><dd>4.8.1</dd></div><div><dt>Licenças</dt><dd>3'
    " licenças; 1 a partir de 01/06/2026</dd></div><div><dt>Módulos</dt><dd>Monitor de Co"
    'zinha (3)</dd></div><div><dt>Chave</dt><dd><code class="user-select-all">K-0001</cod'
    'e></dd></div></dl></div></details></td><td>{pk}</td><td class="col-name"><a class="c'
    'lient-link" href="/clientes/{pk}/">Mercado Bom Preço</a><span class="row-summary">52'
    '9.982.247-25 · Link · vencimento 14/06/2026</span><span class="row-hint"><span class'
    '="badge rounded-pill text-bg-warning row-hint-badge">sem contato há 20 dias</span><s'
    'pan class="badge rounded-pill text-bg-secondary row-hint-badge">versão 4.8.1</span><'
    '/span></td><td class="col-wide">529.982.247-25</td><td class="col-wide">03/02/2025</'
    'td><td class="col-wide">Link</td><td class="col-wide">14/06/2026</td>'
    '<td class="col-wide">Renovação manual</td><td><span class'
    '="badge status-badge status-ativo">Ativo</span></td><td><div class="dropdown"><butto'
    'n type="button" class="btn btn-sm btn-light actions-toggle" data-bs-toggle="dropdown'
    '" data-bs-popper-config=\'{{"strategy":"fixed"}}\' aria-expanded="false" aria-label="A'
    'ções de Mercado Bom Preço"><span aria-hidden="true">⋮</span></button><ul class="drop'
    'down-menu dropdown-menu-end shadow-sm"><li><a class="dropdown-item" href="/clientes/'
    '{pk}/editar/">Editar</a></li><li><a class="dropdown-item" href="/clientes/{pk}/confi'
    'rmar/suspender/">Suspender</a></li><li><a class="dropdown-item" href="/clientes/{pk}'
    '/confirmar/renovar/">Renovar</a></li><li><a class="dropdown-item" href="/clientes/{pk}'
    '/confirmar/liberar-dispositivo/">Liberar dispositivo</a></li><li><hr class="dropdown-d'
    'ivider"></li><li><a class="dropdown-item" href="/clientes/{pk}/historico/">Histórico<'
    "/a></li></ul></div></td></tr>"
)

NAVI_ROW = (
    '<tr data-id="{pk}"><td class="col-select"><input type="checkbox" class="'
    'form-check-input" name="id" value="{pk}" form="bulk-form" aria-label="Selecionar Pad'
    'aria Estrela"></td><td></td><td>{pk}</td><td class="col-name"><a class="client-link"'
    ' href="/clientes/{pk}/">Padaria Estrela</a><span class="row-summary">11.222.333/0001'
    '-81 · Navi · vencimento 14/06/2026</span><span class="row-hint"><span class="badge r'
    'ounded-pill text-bg-warning row-hint-badge">certificado vence em 10 dias</span></spa'
    'n></td><td class="col-wide">11.222.333/0001-81</td><td class="col-wide">30/11/2024</'
    'td><td class="col-wide">Navi</td><td class="col-wide">14/06/2026</td>'
    '<td class="col-wide">Renovação manual</td><td><span class'
    '="badge status-badge status-ativo">Ativo</span></td><td><div class="dropdown"><butto'
    'n type="button" class="btn btn-sm btn-light actions-toggle" data-bs-toggle="dropdown'
    '" data-bs-popper-config=\'{{"strategy":"fixed"}}\' aria-expanded="false" aria-label="A'
    'ções de Padaria Estrela"><span aria-hidden="true">⋮</span></button><ul class="dropdo'
    'wn-menu dropdown-menu-end shadow-sm"><li><a class="dropdown-item" href="/clientes/{p'
    'k}/editar/">Editar</a></li><li><a class="dropdown-item" href="/clientes/{pk}/certifi'
    'cado/">Certificado digital</a></li><li><a class="dropdown-item" href="/clientes/{pk}'
    '/confirmar/suspender/">Suspender</a></li><li><a class="dropdown-item" href="/cliente'
    's/{pk}/confirmar/renovar/">Renovar</a></li><li><hr class="dropdown-divider"></li><li'
    '><a class="dropdown-item" href="/clientes/{pk}/historico/">Histórico</a></li></ul></'
    "div></td></tr>"
)


def compact(html):
    """`html` without the whitespace between its tags and before a tag's `>`."""
    return re.sub(r"\s+>", ">", re.sub(r">\s+<", "><", html)).strip()


def table_rows(page):
    """The rows of the page's table, as HTML."""
    body = page.split("<tbody", 1)[1].split("</tbody>", 1)[0]
    return re.findall(r"<tr data-id=.*?</tr>", body, re.S)


@pytest.fixture
def rows_of_every_kind(partner_a, make_client, every_status, today):
    """Partner A's clients in every status, and the Link and Navi rows of every shape: Link
    activated (key, version, modules, a scheduled reduction, silent), Link waiting for its
    code, Link whose code went unused and was consumed elsewhere, Navi with and without a
    certificate, Gestão de cobranças, and a name full of HTML and braces."""
    now = timezone.now()
    activated = make_client(
        partner_a,
        name="Link Ativado",
        product=Product.LINK,
        licenses=3,
        license_key="K-0001",
        link_version="4.8.1",
        last_seen_at=now - datetime.timedelta(days=20),
    )
    License.objects.create(client=activated, module=Module.KITCHEN_MONITOR, quantity=3)
    License.objects.create(client=activated, module=Module.STOCK_COUNT, quantity=1)
    License.objects.filter(client=activated, module=Module.MAIN).update(
        scheduled_quantity=1, scheduled_from=datetime.date(2026, 6, 1)
    )
    make_client(partner_a, name="Link Sem Versão", product=Product.LINK, license_key="K-0002")
    waiting = make_client(partner_a, name="Link Aguardando", product=Product.LINK)
    RegistrationCode.objects.create(client=waiting)
    consumed = make_client(partner_a, name="Link Sem Código", product=Product.LINK)
    RegistrationCode.objects.create(client=consumed, consumed_at=now)
    with_certificate = make_client(partner_a, name="Navi Certificado", product=Product.NAVI)
    Certificate.objects.create(
        client=with_certificate,
        holder="Navi Certificado",
        cnpj=with_certificate.cpf_cnpj,
        issuer="AC",
        serial_number="1",
        fingerprint="0" * 64,
        valid_from=now - datetime.timedelta(days=300),
        valid_until=now + datetime.timedelta(days=10),
        encrypted_file="x",
        encrypted_password="x",
    )
    make_client(partner_a, name="Navi Cobranças", renewal=Renewal.BILLING)
    make_client(partner_a, name=AWKWARD_NAME, product=Product.LINK, license_key="K-0003")
    # Due this month (Renovação lists it), Link with its code.
    due = make_client(
        partner_a,
        name="Link Vence Este Mês",
        product=Product.LINK,
        expires_on=datetime.date(2026, 5, 20),
    )
    RegistrationCode.objects.create(client=due)


@pytest.mark.parametrize("role", [Role.ADMIN, Role.OPERATOR, Role.VIEWER])
def test_every_kind_of_row_is_drawn_for_every_role(
    client, partner_a, make_member, rows_of_every_kind, role
):
    client.force_login(make_member(partner_a, f"membro-{role}", role=role))
    pages = [LIST, *(f"{LIST}?status={status.value}" for status in Status), RENEWALS]
    statuses = set()
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200
        headers = re.findall(r"<th ", response.text.split("</thead>", 1)[0])
        for row in table_rows(response.text):
            assert len(re.findall(r"<td[ >]", row)) == len(headers)
            statuses.add(re.search(r"status-badge status-(\w+)", row)[1])
            entries = re.findall(r'class="dropdown-item"[^>]*>([^<]+)<', row)
            assert entries[-1] == "Histórico"
            if role == Role.VIEWER:
                assert entries == ["Histórico"]  # Consulta takes no action
    assert statuses == {status.value for status in Status}


def test_a_name_is_put_in_escaped_everywhere_in_its_row(client_a, rows_of_every_kind):
    page = client_a.get(LIST).text
    escaped = "Bar &amp; Café &lt;b&gt;&quot;D&#x27;Ávila&quot;&lt;/b&gt; {pk} {name} {{x}}"
    assert f'aria-label="Detalhes do Link de {escaped}"' in page
    assert f'aria-label="Ações de {escaped}"' in page
    assert f'aria-label="Selecionar {escaped}"' in page
    assert AWKWARD_NAME not in page


def test_each_page_puts_its_own_csrf_token_in_the_menus(client_a, make_client_in, partner_a):
    make_client_in(partner_a, "suspenso")  # Cancelar suspensão: a form in the menu
    tokens = []
    for _ in range(2):
        table = client_a.get(LIST).text.split("<tbody", 1)[1]
        menu_token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', table)[1]
        tokens.append(menu_token)
    assert tokens[0] != tokens[1]  # masked anew for each page, as get_token does


def test_the_rows_are_pinned(client_a, partner_a, make_client, today):
    now = timezone.now()
    link = make_client(
        partner_a,
        name="Mercado Bom Preço",
        cpf_cnpj=cpf_from_base("529982247"),
        product=Product.LINK,
        licenses=3,
        registered_on=datetime.date(2025, 2, 3),
        license_key="K-0001",
        link_version="4.8.1",
        last_seen_at=now - datetime.timedelta(days=20),
    )
    License.objects.create(client=link, module=Module.KITCHEN_MONITOR, quantity=3)
    License.objects.filter(client=link, module=Module.MAIN).update(
        scheduled_quantity=1, scheduled_from=datetime.date(2026, 6, 1)
    )
    navi = make_client(
        partner_a,
        name="Padaria Estrela",
        cpf_cnpj=cnpj_from_base("112223330001"),
        product=Product.NAVI,
        registered_on=datetime.date(2024, 11, 30),
    )
    Certificate.objects.create(
        client=navi,
        holder="Padaria Estrela",
        cnpj=navi.cpf_cnpj,
        issuer="AC",
        serial_number="1",
        fingerprint="0" * 64,
        valid_from=now - datetime.timedelta(days=300),
        valid_until=now + datetime.timedelta(days=10),
        encrypted_file="x",
        encrypted_password="x",
    )
    rows = table_rows(client_a.get(LIST).text)
    assert [compact(row) for row in rows] == [
        LINK_ROW.format(pk=link.pk),
        NAVI_ROW.format(pk=navi.pk),
    ]


def test_the_page_reads_no_status_case_unless_it_orders_by_status(client_a, every_status):
    def cases(url):
        with CaptureQueriesContext(connection) as queries:
            page = client_a.get(url).text
        return page, sum("CASE WHEN" in query["sql"] for query in queries.captured_queries)

    page, case_queries = cases(LIST)
    assert case_queries == 0  # each row's status from clients.domain.status.client_status
    for status in Status:
        if status != Status.HIDDEN:
            assert f"status-badge status-{status.value}" in page
    ordered, case_queries = cases(f"{LIST}?sort=status")
    assert case_queries == 1  # the page's read, ordered by the status's SQL form
    assert ordered.count("<tr data-id=") == page.count("<tr data-id=") == 5
