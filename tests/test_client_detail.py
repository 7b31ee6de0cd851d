"""The client page: GET /clientes/<pk>/ — one client whole, linked from every row."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from clients.certificates import client_certificate_upload
from clients.domain.actions import Action, allowed_actions
from clients.domain.status import Status
from clients.models import License, Module, Product, RegistrationCode
from clients.services import client_suspend
from tests.pkcs12 import CERTIFICATE_PASSWORD, make_pfx, upload

pytestmark = pytest.mark.usefixtures("today")  # 15 May 2026


def detail_url(client):
    return reverse("clients:detail", args=[client.pk])


def test_every_row_links_its_name_to_the_client_page(client_a, partner_a, make_client):
    shop = make_client(partner_a, name="Mercado Aurora")
    page = client_a.get(reverse("clients:list")).text
    assert f'<a class="client-link" href="{detail_url(shop)}">Mercado Aurora</a>' in page


def test_it_shows_the_clients_data(client_a, partner_a, make_client):
    shop = make_client(
        partner_a,
        name="Mercado Aurora",
        cpf_cnpj="529.982.247-25",
        email="compras@aurora.com.br",
        uf="RJ",
        city="Niterói",
        registered_on=datetime.date(2025, 2, 3),
        expires_on=datetime.date(2026, 6, 30),
    )
    page = client_a.get(detail_url(shop))
    assert page.status_code == 200
    for text in (
        '<h1 class="h3 mb-1">Mercado Aurora</h1>',
        "529.982.247-25",
        "compras@aurora.com.br",
        "Niterói – RJ",
        "03/02/2025",
        "30/06/2026",
        "Renovação manual",
        'status-ativo">Ativo</span>',
    ):
        assert text in page.text, text


def test_a_pending_client_shows_its_reason(client_a, partner_a, make_client):
    shop = make_client(
        partner_a, pending_since=timezone.now(), pending_reason="CPF/CNPJ já cadastrado."
    )
    page = client_a.get(detail_url(shop)).text
    assert 'status-pendente">Pendente</span>' in page
    assert "Pendente desde 15/05/2026" in page
    assert "Motivo da pendência:</span> CPF/CNPJ já cadastrado." in page


def test_a_suspended_client_shows_since_when(client_a, partner_a, partner_a_user, make_client):
    shop = client_suspend(client=make_client(partner_a), by=partner_a_user)
    page = client_a.get(detail_url(shop)).text
    assert "Suspenso desde 15/05/2026 12:00" in page


def test_it_shows_the_licenses_in_force_and_the_scheduled_ones(client_a, partner_a, make_client):
    shop = make_client(partner_a, product=Product.LINK, licenses=3)
    License.objects.filter(client=shop, module=Module.MAIN).update(
        scheduled_quantity=2, scheduled_from=datetime.date(2026, 6, 1)
    )
    License.objects.create(client=shop, module=Module.CLOUD, quantity=1)
    License.objects.create(client=shop, module=Module.TEF, quantity=0)
    page = client_a.get(detail_url(shop)).text
    assert "3 licenças; 2 a partir de 01/06/2026" in page
    assert 'Cloud</dt><dd class="col-sm-7">contratado' in page
    assert "TEF" not in page  # not contracted


def test_a_link_client_shows_its_code_until_activated_then_its_key(
    client_a, partner_a, make_client
):
    shop = make_client(partner_a, product=Product.LINK)
    code = RegistrationCode.objects.create(client=shop)
    page = client_a.get(detail_url(shop)).text
    assert code.code in page
    assert "ainda não informada" in page
    seen = timezone.now() - datetime.timedelta(hours=2)
    shop.license_key, shop.link_version, shop.last_seen_at = "KEY-1", "4.2.1", seen
    shop.save()
    RegistrationCode.objects.filter(pk=code.pk).update(consumed_at=timezone.now())
    page = client_a.get(detail_url(shop)).text
    assert "KEY-1" in page and code.code not in page
    assert "4.2.1" in page
    assert "15/05/2026 10:00" in page  # último contato


def test_a_navi_client_shows_its_certificate_and_validity(
    client_a, partner_a, partner_a_user, make_client
):
    cnpj = "11222333000181"
    shop = make_client(partner_a, product=Product.NAVI, cpf_cnpj=cnpj)
    assert "Nenhum certificado enviado." in client_a.get(detail_url(shop)).text
    until = timezone.now() + datetime.timedelta(days=20)
    client_certificate_upload(
        client=shop,
        file=upload(make_pfx(cnpj, valid_until=until)),
        password=CERTIFICATE_PASSWORD,
        by=partner_a_user,
    )
    page = client_a.get(detail_url(shop)).text
    assert "MERCADO BOM PRECO LTDA (11.222.333/0001-81)" in page
    assert f"a {timezone.localtime(until):%d/%m/%Y}" in page
    assert "vence em 20 dias" in page


@pytest.mark.parametrize("status", list(Status))
def test_the_buttons_are_the_allowed_actions(client_a, partner_a, make_client_in, status):
    shop = make_client_in(partner_a, status)
    page = client_a.get(detail_url(shop)).text
    buttons = page.split('aria-label="Ações do cliente"', 1)
    allowed = allowed_actions(shop)
    if not allowed:
        assert len(buttons) == 1
        return
    group = buttons[1].split("</div>", 1)[0]
    for action in Action:
        assert (f">{action.label}</" in group) == (action in allowed), action


def test_an_action_from_the_client_page_comes_back_to_it(client_a, partner_a, make_client):
    shop = make_client(partner_a)
    page = client_a.get(detail_url(shop)).text
    confirm = reverse("clients:confirm", args=[shop.pk, "suspender"])
    assert f'href="{confirm}?next={detail_url(shop)}"' in page
    response = client_a.post(
        reverse("clients:suspender", args=[shop.pk]), {"next": detail_url(shop)}
    )
    assert response.url == detail_url(shop)


def test_it_shows_the_latest_history(client_a, partner_a, partner_a_user, make_client):
    shop = client_suspend(client=make_client(partner_a), by=partner_a_user)
    page = client_a.get(detail_url(shop)).text
    assert "Status:</span> Ativo → Suspenso" in page
    assert reverse("clients:history", args=[shop.pk]) in page


def test_it_is_a_read_only_page(client_a, partner_a, make_client):
    assert client_a.post(detail_url(make_client(partner_a))).status_code == 405


def test_another_partners_client_is_a_404(client_a, partner_b, make_client):
    assert client_a.get(detail_url(make_client(partner_b))).status_code == 404


def test_it_takes_a_constant_number_of_queries(
    client_a, partner_a, partner_a_user, make_client, django_assert_num_queries
):
    shop = make_client(partner_a, product=Product.LINK)
    RegistrationCode.objects.create(client=shop)
    for _ in range(3):
        client_suspend(client=shop, by=partner_a_user)
        shop.suspended_at = None
        shop.save()
    # 1-3. session, user, partner; 4. the client; 5. its licenses; 6. its unused code;
    # 7. its latest events with their actors; 8. the prices in force (what Renovar costs).
    with django_assert_num_queries(8):
        client_a.get(detail_url(shop))
