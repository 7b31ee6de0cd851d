"""Liberar dispositivo: POST /clientes/<pk>/liberar-dispositivo/ — a Link client Ativo or
Suspenso with a bound key; at most DEVICE_RELEASES_PER_MONTH releases per calendar month."""

import datetime
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from clients.domain.actions import Action
from clients.domain.status import Status
from clients.models import ClientEvent, Event, Product, RegistrationCode, ReleasedKey
from clients.services import ActionNotAllowed
from clients.services.devices import NO_DEVICE, ONLY_LINK, client_release_device
from licenses.activation import client_activate
from partners.models import Role
from tests.client_actions import Unchanged, action_url, messages_of

SP = ZoneInfo("America/Sao_Paulo")
MOMENT = datetime.datetime(2026, 12, 6, 10, 0, tzinfo=SP)
CAP_MESSAGE = (
    "Limite de liberações atingido: este cliente já teve 2 liberações de dispositivo neste mês "
    "(o máximo por mês). Uma nova liberação será possível a partir de 01/01/2027."
)


@pytest.fixture
def clock():
    """10:00 on 6 December 2026 in São Paulo, standing still (move it with move_to)."""
    with time_machine.travel(MOMENT, tick=False) as traveller:
        yield traveller


def activate(shop, machine="CELULAR-01"):
    """The software activates the client's unused code on `machine`: returns the new key."""
    code = RegistrationCode.objects.filter(client=shop, consumed_at__isnull=True).latest("pk")
    client_activate(code=code.code, machine=machine, version="4.2.1")
    shop.refresh_from_db()
    return shop.license_key


@pytest.fixture
def bound(clock, partner_a, make_link_client):
    """A Link client, Ativo until 6 January, activated on CELULAR-01: (client, key)."""
    shop, _ = make_link_client(
        partner_a, name="Lanchonete Boa", expires_on=datetime.date(2027, 1, 6)
    )
    return shop, activate(shop)


def unused_codes(shop):
    return list(
        RegistrationCode.objects.filter(client=shop, consumed_at__isnull=True).values_list(
            "code", flat=True
        )
    )


def releases(shop):
    return ClientEvent.objects.filter(client=shop, action=Event.RELEASE_DEVICE).count()


class NothingReleased(Unchanged):
    """Unchanged, and no key released, no code issued."""

    def __enter__(self):
        super().__enter__()
        self.facts = (ReleasedKey.objects.count(), unused_codes(self.client))
        return self

    def __exit__(self, *exc):
        super().__exit__(*exc)
        if exc[0] is None:
            assert (ReleasedKey.objects.count(), unused_codes(self.client)) == self.facts


# The service.


def test_it_releases_the_key_issues_a_new_code_and_records_one_event(bound, partner_a_user):
    shop, key = bound
    version = shop.version

    client_release_device(client=shop, by=partner_a_user)

    shop.refresh_from_db()
    assert shop.license_key is None
    assert shop.version == version + 1
    assert shop.status == Status.ACTIVE
    released = ReleasedKey.objects.get()
    assert (released.key, released.client, released.machine) == (key, shop, "CELULAR-01")
    assert (released.released_by, released.released_at) == (partner_a_user, MOMENT)
    (new_code,) = unused_codes(shop)
    event = ClientEvent.objects.get(client=shop, action=Event.RELEASE_DEVICE)
    assert event.actor == partner_a_user
    assert event.note == (
        "Dispositivo “CELULAR-01” liberado (1ª liberação do mês). "
        f"Novo código de registro: {new_code}."
    )
    # The key is a bearer secret: it stays out of the history.
    assert key not in f"{event.before}{event.after}{event.note}"


def test_the_third_release_in_a_month_is_refused_until_the_first_of_next_month(
    bound, partner_a_user, clock, settings
):
    settings.DEVICE_RELEASES_PER_MONTH = 2  # the default
    shop, _ = bound
    client_release_device(client=shop, by=partner_a_user)
    activate(shop, "CELULAR-02")
    client_release_device(client=shop, by=partner_a_user)
    key = activate(shop, "CELULAR-03")

    with NothingReleased(shop), pytest.raises(ActionNotAllowed) as refused:
        client_release_device(client=shop, by=partner_a_user)
    assert refused.value.message == CAP_MESSAGE

    clock.move_to(datetime.datetime(2026, 12, 31, 23, 59, tzinfo=SP))
    with NothingReleased(shop), pytest.raises(ActionNotAllowed):
        client_release_device(client=shop, by=partner_a_user)

    clock.move_to(datetime.datetime(2027, 1, 1, 0, 0, tzinfo=SP))
    client_release_device(client=shop, by=partner_a_user)
    shop.refresh_from_db()
    assert shop.license_key is None
    assert ReleasedKey.objects.filter(key=key).exists()
    assert releases(shop) == 3


def test_the_month_is_the_local_one(bound, partner_a_user, clock):
    # 23:30 on 30 November in São Paulo is already 1 December in UTC: a November release.
    shop, _ = bound
    clock.move_to(datetime.datetime(2026, 11, 30, 23, 30, tzinfo=SP))
    client_release_device(client=shop, by=partner_a_user)
    clock.move_to(MOMENT)
    for machine in ("CELULAR-02", "CELULAR-03"):
        activate(shop, machine)
        client_release_device(client=shop, by=partner_a_user)
    assert releases(shop) == 3


def test_the_setting_is_the_cap(bound, partner_a_user, settings):
    settings.DEVICE_RELEASES_PER_MONTH = 1
    shop, _ = bound
    client_release_device(client=shop, by=partner_a_user)
    activate(shop, "CELULAR-02")
    with NothingReleased(shop), pytest.raises(ActionNotAllowed) as refused:
        client_release_device(client=shop, by=partner_a_user)
    assert "já teve 1 liberação de dispositivo neste mês" in refused.value.message


def test_a_client_without_a_bound_key_is_refused(
    clock, partner_a, partner_a_user, make_link_client
):
    shop, _ = make_link_client(partner_a)  # its code was never used
    with NothingReleased(shop), pytest.raises(ActionNotAllowed) as refused:
        client_release_device(client=shop, by=partner_a_user)
    assert refused.value.message == NO_DEVICE


def test_a_navi_client_is_refused(clock, partner_a, partner_a_user, make_client):
    shop = make_client(partner_a, product=Product.NAVI, license_key="CHAVE-DE-UM-NAVI")
    with NothingReleased(shop), pytest.raises(ActionNotAllowed) as refused:
        client_release_device(client=shop, by=partner_a_user)
    assert refused.value.message == ONLY_LINK


def test_a_suspended_client_is_released_and_stays_suspended(bound, partner_a_user):
    shop, _ = bound
    shop.suspended_at = MOMENT
    shop.save(update_fields=["suspended_at"])
    client_release_device(client=shop, by=partner_a_user)
    shop.refresh_from_db()
    assert (shop.license_key, shop.status) == (None, Status.SUSPENDED)


@pytest.mark.parametrize("status", [Status.EXPIRED, Status.INACTIVE])
def test_an_expired_or_inactive_client_is_refused(
    clock, partner_a, partner_a_user, make_client_in, status
):
    shop = make_client_in(partner_a, status, product=Product.LINK, license_key="CHAVE-VINCULADA")
    with NothingReleased(shop), pytest.raises(ActionNotAllowed) as refused:
        client_release_device(client=shop, by=partner_a_user)
    assert refused.value.message == (
        f"“Liberar dispositivo” não está disponível para um cliente {status.label}."
    )


def test_historico_and_atividade_show_it_with_its_label_and_note(bound, client_a, partner_a_user):
    shop, _ = bound
    client_release_device(client=shop, by=partner_a_user)
    note = ClientEvent.objects.get(action=Event.RELEASE_DEVICE).note
    history = client_a.get(reverse("clients:history", args=[shop.pk]))
    assert [label for _, label, _ in history.context["rows"]][0] == "Liberar dispositivo"
    assert note in history.text
    activity = client_a.get(reverse("clients:activity"), {"acao": "liberar-dispositivo"})
    (row,) = activity.context["table"].page.object_list
    assert (row.record.client, row.get_cell("action")) == (shop, "Liberar dispositivo")
    assert note in activity.text


# The menu, the confirmation page and the POST.


def menu_of(page, shop):
    start = page.index(f'aria-label="Ações de {shop.name}"')
    return page[start : page.index("</ul>", start)]


def test_the_menu_offers_it_through_the_confirmation_page_only_with_a_key(
    bound, client_a, partner_a, make_link_client
):
    shop, _ = bound
    without, _ = make_link_client(partner_a, name="Sem Chave")
    page = client_a.get(reverse("clients:list")).text
    confirm = reverse("clients:confirm", args=[shop.pk, Action.RELEASE_DEVICE.value])
    assert f'<a class="dropdown-item" href="{confirm}">Liberar dispositivo</a>' in menu_of(
        page, shop
    )
    assert "Liberar dispositivo" not in menu_of(page, without)


def test_the_confirmation_page_says_what_happens_and_how_many_are_left(
    bound, client_a, partner_a_user
):
    shop, _ = bound
    url = reverse("clients:confirm", args=[shop.pk, "liberar-dispositivo"])
    page = client_a.get(url).text
    assert "Liberar o dispositivo de Lanchonete Boa?" in page
    assert (
        "O dispositivo “CELULAR-01” para de funcionar na próxima verificação: a chave atual é "
        "recusada. Um novo código de registro é gerado para ativar o Link no novo dispositivo; "
        "ele aparece nos detalhes do cliente. Restam 2 de 2 liberações neste mês."
    ) in page
    assert re.search(
        rf'<form method="post" action="{action_url(Action.RELEASE_DEVICE, shop)}"', page
    )

    client_release_device(client=shop, by=partner_a_user)
    activate(shop, "")  # software that does not name its machine
    page = client_a.get(url).text
    assert "O dispositivo vinculado a este cliente para de funcionar" in page
    assert (
        "Esta é a última liberação possível neste mês (o máximo é 2); a próxima, só a partir "
        "de 01/01/2027."
    ) in page


def test_the_confirmation_page_at_the_cap_explains_it_and_offers_no_button(
    bound, client_a, partner_a_user
):
    shop, _ = bound
    for machine in ("CELULAR-02", "CELULAR-03"):
        client_release_device(client=shop, by=partner_a_user)
        activate(shop, machine)
    url = reverse("clients:confirm", args=[shop.pk, "liberar-dispositivo"])
    with NothingReleased(shop):
        response = client_a.get(url)
    assert response.status_code == 302
    assert messages_of(response) == [CAP_MESSAGE]


def test_the_confirmation_page_refuses_a_client_without_a_key(
    clock, client_a, partner_a, make_link_client
):
    shop, _ = make_link_client(partner_a)
    url = reverse("clients:confirm", args=[shop.pk, "liberar-dispositivo"])
    response = client_a.get(url, headers={"HX-Request": "true"})
    assert response.status_code == 409


@pytest.mark.parametrize("role", [Role.ADMIN, Role.OPERATOR])
def test_administrador_and_operador_release_it(bound, client, make_member, partner_a, role):
    shop, _ = bound
    client.force_login(make_member(partner_a, "membro", role=role))
    response = client.post(action_url(Action.RELEASE_DEVICE, shop))
    assert response.status_code == 302
    (new_code,) = unused_codes(shop)
    assert messages_of(response) == [
        "O dispositivo de Lanchonete Boa foi liberado: a chave antiga é recusada na próxima "
        f"verificação. Novo código de registro: {new_code} (também nos detalhes do cliente)."
    ]
    shop.refresh_from_db()
    assert shop.license_key is None
    assert releases(shop) == 1


def test_consulta_gets_a_403_and_nothing_changes(bound, client, make_member, partner_a):
    shop, _ = bound
    client.force_login(make_member(partner_a, "consulta", role=Role.VIEWER))
    with NothingReleased(shop):
        assert client.post(action_url(Action.RELEASE_DEVICE, shop)).status_code == 403
        url = reverse("clients:confirm", args=[shop.pk, "liberar-dispositivo"])
        assert client.get(url).status_code == 403


def test_another_partners_client_is_a_404_and_nothing_changes(
    clock, client_a, partner_b, make_link_client
):
    shop, _ = make_link_client(partner_b)
    activate(shop)
    with NothingReleased(shop):
        assert client_a.post(action_url(Action.RELEASE_DEVICE, shop)).status_code == 404
        url = reverse("clients:confirm", args=[shop.pk, "liberar-dispositivo"])
        assert client_a.get(url).status_code == 404


def test_a_release_over_the_cap_is_explained_and_changes_nothing(bound, client_a, partner_a_user):
    shop, _ = bound
    for machine in ("CELULAR-02", "CELULAR-03"):
        client_release_device(client=shop, by=partner_a_user)
        activate(shop, machine)
    with NothingReleased(shop):
        response = client_a.post(action_url(Action.RELEASE_DEVICE, shop))
    assert response.status_code == 302
    assert messages_of(response) == [CAP_MESSAGE]


def test_it_answers_get_with_405(bound, client_a):
    shop, _ = bound
    assert client_a.get(action_url(Action.RELEASE_DEVICE, shop)).status_code == 405
