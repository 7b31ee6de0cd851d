"""The Clientes table's rows (clients.screen.tables.ClientTable.page_rows): each drawn from
_client_row.html once per shape of row (clients.screen.tables.Stencil) and filled per row; the HTML
is
the template's, rendered the plain way, for every kind of row and role."""

import datetime
import re

import pytest
from django.db import connection
from django.template.loader import get_template
from django.test.signals import template_rendered
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from clients.domain.documents import cnpj_from_base, cpf_from_base
from clients.domain.status import Status
from clients.models import Certificate, License, Module, Product, RegistrationCode, Renewal
from clients.screen.tables import MENU_PATTERNS, Stencil
from partners.models import Role

LIST = reverse("clients:list")
RENEWALS = reverse("clients:renewals")
ROW_TEMPLATE = "clients/_client_row.html"
MENU_TEMPLATE = "clients/_actions_menu.html"
# A name that is HTML and looks like the placeholders: put in escaped, never read as one.
AWKWARD_NAME = 'Bar & Café <b>"D\'Ávila"</b> {pk} {name} __stencil_name__ {{x}}'

# Two rows as the table's template loop drew them before they were drawn from _client_row.html
# (str.format patterns of the client's pk; an Administrador on Clientes, 15 May 2026).
LINK_ROW = (
    '<tr data-id="{pk}">\n'
    '        <td class="col-select"><input type="checkbox" class="form-check-input" n'
    'ame="id" value="{pk}" form="bulk-form" aria-label="Selecionar Mercado Bom Preço"'
    "></td>\n"
    '        <td><details class="link-details">\n'
    '  <summary class="link-details-toggle" aria-label="Detalhes do Link de Mercado B'
    'om Preço"><span class="caret" aria-hidden="true"></span></summary>\n'
    '  <div class="link-details-body">\n'
    '    <dl class="link-details-list">\n'
    "      <div><dt>Versão do Link</dt><dd>4.8.1</dd></div>\n"
    "      <div><dt>Licenças</dt><dd>3 licenças; 1 a partir de 01/06/2026</dd></div>\n"
    "      <div><dt>Módulos</dt><dd>Monitor de Cozinha (3)</dd></div>\n"
    "      \n"
    '      <div><dt>Chave</dt><dd><code class="user-select-all">K-0001</code></dd></d'
    "iv>\n"
    "      \n"
    "    </dl>\n"
    "  </div>\n"
    "</details></td>\n"
    "        <td>{pk}</td>\n"
    '        <td class="col-name"><a class="client-link" href="/clientes/{pk}/">Merca'
    'do Bom Preço</a><span class="row-summary">529.982.247-25 · Link · vencimento 14/'
    '06/2026</span><span class="row-hint"><span class="badge rounded-pill text-bg-war'
    'ning row-hint-badge">sem contato há 20 dias</span> <span class="badge rounded-pi'
    'll text-bg-secondary row-hint-badge">versão 4.8.1</span></span></td>\n'
    '        <td class="col-wide">529.982.247-25</td>\n'
    '        <td class="col-wide">03/02/2025</td>\n'
    '        <td class="col-wide">Link</td>\n'
    '        <td class="col-wide">14/06/2026</td>\n'
    '        <td><span class="badge status-badge status-ativo">Ativo</span>\n'
    "</td>\n"
    '        <td><div class="dropdown">\n'
    '  <button type="button" class="btn btn-sm btn-light actions-toggle" data-bs-togg'
    'le="dropdown" data-bs-popper-config=\'{{"strategy":"fixed"}}\' aria-expanded="fals'
    'e" aria-label="Ações de Mercado Bom Preço"><span aria-hidden="true">⋮</span></bu'
    "tton>\n"
    '  <ul class="dropdown-menu dropdown-menu-end shadow-sm">\n'
    "  \n"
    "    \n"
    '    <li><a class="dropdown-item" href="/clientes/{pk}/editar/">Editar</a></li>\n'
    "  \n"
    "    \n"
    '    <li><a class="dropdown-item" href="/clientes/{pk}/confirmar/suspender/">Susp'
    "ender</a></li>\n"
    "  \n"
    "    \n"
    '    <li><a class="dropdown-item" href="/clientes/{pk}/confirmar/renovar/">Renova'
    "r</a></li>\n"
    "  \n"
    '    <li><hr class="dropdown-divider"></li>\n'
    '    <li><a class="dropdown-item" href="/clientes/{pk}/historico/">Histórico</a><'
    "/li>\n"
    "  \n"
    "  </ul>\n"
    "</div>\n"
    "</td>\n"
    "      </tr>"
)

NAVI_ROW = (
    '<tr data-id="{pk}">\n'
    '        <td class="col-select"><input type="checkbox" class="form-check-input" n'
    'ame="id" value="{pk}" form="bulk-form" aria-label="Selecionar Padaria Estrela"><'
    "/td>\n"
    "        <td></td>\n"
    "        <td>{pk}</td>\n"
    '        <td class="col-name"><a class="client-link" href="/clientes/{pk}/">Padar'
    'ia Estrela</a><span class="row-summary">11.222.333/0001-81 · Navi · vencimento 1'
    '4/06/2026</span><span class="row-hint"><span class="badge rounded-pill text-bg-w'
    'arning row-hint-badge">certificado vence em 10 dias</span></span></td>\n'
    '        <td class="col-wide">11.222.333/0001-81</td>\n'
    '        <td class="col-wide">30/11/2024</td>\n'
    '        <td class="col-wide">Navi</td>\n'
    '        <td class="col-wide">14/06/2026</td>\n'
    '        <td><span class="badge status-badge status-ativo">Ativo</span>\n'
    "</td>\n"
    '        <td><div class="dropdown">\n'
    '  <button type="button" class="btn btn-sm btn-light actions-toggle" data-bs-togg'
    'le="dropdown" data-bs-popper-config=\'{{"strategy":"fixed"}}\' aria-expanded="fals'
    'e" aria-label="Ações de Padaria Estrela"><span aria-hidden="true">⋮</span></butt'
    "on>\n"
    '  <ul class="dropdown-menu dropdown-menu-end shadow-sm">\n'
    "  \n"
    "    \n"
    '    <li><a class="dropdown-item" href="/clientes/{pk}/editar/">Editar</a></li>\n'
    "  \n"
    "    \n"
    '    <li><a class="dropdown-item" href="/clientes/{pk}/certificado/">Certificado '
    "digital</a></li>\n"
    "  \n"
    "    \n"
    '    <li><a class="dropdown-item" href="/clientes/{pk}/confirmar/suspender/">Susp'
    "ender</a></li>\n"
    "  \n"
    "    \n"
    '    <li><a class="dropdown-item" href="/clientes/{pk}/confirmar/renovar/">Renova'
    "r</a></li>\n"
    "  \n"
    '    <li><hr class="dropdown-divider"></li>\n'
    '    <li><a class="dropdown-item" href="/clientes/{pk}/historico/">Histórico</a><'
    "/li>\n"
    "  \n"
    "  </ul>\n"
    "</div>\n"
    "</td>\n"
    "      </tr>"
)


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


@pytest.fixture
def drawn_rows(monkeypatch):
    """Every row the pages draw, as (the row's values, its HTML, the table's `selectable`)."""
    drawn = []
    render = Stencil.render

    def spy(self, values):
        html = render(self, values)
        if self.template.template.name == ROW_TEMPLATE:
            drawn.append((dict(values), html, self.context["selectable"]))
        return html

    monkeypatch.setattr(Stencil, "render", spy)
    return drawn


def plainly(values, selectable):
    """_client_row.html rendered the ordinary way for one row (as the table's loop did)."""
    return get_template(ROW_TEMPLATE).render({"row": values, "selectable": selectable}).strip()


@pytest.mark.parametrize("role", [Role.ADMIN, Role.OPERATOR, Role.VIEWER])
def test_each_row_is_its_template_rendered_plainly(
    client, partner_a, make_member, rows_of_every_kind, drawn_rows, role
):
    client.force_login(make_member(partner_a, f"membro-{role}", role=role))
    pages = [LIST, *(f"{LIST}?status={status.value}" for status in Status), RENEWALS]
    for url in pages:
        assert client.get(url).status_code == 200
    statuses = {re.search(r"status-badge status-(\w+)", html)[1] for _, html, _ in drawn_rows}
    assert statuses == {status.value for status in Status}
    shapes = {tuple(bool(value) for value in values.values()) for values, _, _ in drawn_rows}
    assert len(shapes) >= 6  # Navi, Link with key or code or neither, hints, modules
    for values, html, selectable in drawn_rows:
        assert html == plainly(values, selectable), values["name"]


def test_a_name_is_put_in_escaped_and_never_read_as_a_placeholder(
    client_a, rows_of_every_kind, drawn_rows
):
    page = client_a.get(LIST).text
    escaped = (
        "Bar &amp; Café &lt;b&gt;&quot;D&#x27;Ávila&quot;&lt;/b&gt; {pk} {name} "
        "__stencil_name__ {{x}}"
    )
    assert f'aria-label="Detalhes do Link de {escaped}"' in page
    assert f'aria-label="Ações de {escaped}"' in page
    assert f'aria-label="Selecionar {escaped}"' in page
    assert AWKWARD_NAME not in page


def test_the_row_template_and_the_menu_are_drawn_once_per_shape_of_row_and_kept(
    client_a, partner_a, make_client, today
):
    for number in range(20):
        make_client(partner_a, name=f"Navi {number:02d}")  # Ativo, no certificate: one shape
    Stencil._patterns.clear()
    MENU_PATTERNS.clear()
    drawn = []

    def record(sender, template, **kwargs):
        drawn.append(template.name)

    template_rendered.connect(record)
    try:
        first = client_a.get(LIST).text
        drawn_first, drawn[:] = list(drawn), []
        second = client_a.get(LIST).text
    finally:
        template_rendered.disconnect(record)
    assert first.count("<tr data-id=") == second.count("<tr data-id=") == 20
    assert drawn_first.count(ROW_TEMPLATE) == drawn_first.count(MENU_TEMPLATE) == 1
    assert drawn.count(ROW_TEMPLATE) == drawn.count(MENU_TEMPLATE) == 0  # the next page


def test_each_page_puts_its_own_csrf_token_in_the_kept_menus(client_a, make_client_in, partner_a):
    make_client_in(partner_a, "suspenso")  # Cancelar suspensão: a form in the menu
    tokens = []
    for _ in range(2):
        table = client_a.get(LIST).text.split("<tbody>", 1)[1]
        menu_token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', table)[1]
        tokens.append(menu_token)
    assert tokens[0] != tokens[1]  # masked anew for each page, as get_token does


def test_a_template_that_changes_a_value_is_refused(settings, tmp_path):
    (tmp_path / "row.html").write_text("<p>{{ row.name|upper }}</p>")
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path]}]
    with pytest.raises(ValueError, match="changes a value"):
        Stencil("row.html").render({"name": "Ana"})


def test_the_rows_are_what_the_tables_loop_drew(client_a, partner_a, make_client, today):
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
    body = client_a.get(LIST).text.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    rows = [LINK_ROW.format(pk=link.pk), NAVI_ROW.format(pk=navi.pk)]
    assert body == "".join(f"\n    \n      {row}" for row in rows) + "\n    \n    "


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
