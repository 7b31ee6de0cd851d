"""The ⋮ menu of each row on the Clientes screen, drawn from clients.domain.actions."""

import re

import pytest
from django.urls import reverse

from clients.domain.actions import MENU_STEP, allowed_actions
from clients.domain.status import Status
from clients.models import Product, Renewal


def menu_of(page, client):
    """The markup of `client`'s ⋮ menu."""
    start = page.index(f'aria-label="Ações de {client.name}"')
    return page[start : page.index("</ul>", start)]


def entry_labels(menu):
    return re.findall(r">([^<>]+)</(?:a|button)>", menu)


@pytest.mark.parametrize("status", list(Status))
def test_each_row_offers_exactly_the_allowed_actions_then_the_history(
    client_a, every_status, status
):
    client = every_status[status]
    page = client_a.get(reverse("clients:list") + f"?status={status.value}").text
    expected = [action.label for action in allowed_actions(client, status)] + ["Histórico"]
    assert entry_labels(menu_of(page, client)) == expected


def test_the_toggle_is_a_button_named_after_the_client(client_a, every_status):
    page = client_a.get(reverse("clients:list")).text
    assert re.search(r'<button type="button"[^>]*aria-label="Ações de Cliente Ativo"', page)


def test_each_action_is_offered_the_way_menu_step_says(client_a, partner_a, make_client, today):
    navi = make_client(partner_a, name="Loja Navi", product=Product.NAVI, renewal=Renewal.MANUAL)
    page = client_a.get(reverse("clients:list")).text
    menu = menu_of(page, navi)
    for action in allowed_actions(navi, Status.ACTIVE):
        if MENU_STEP[action] == "form":
            url = reverse(f"clients:{action.value}", args=[navi.pk])
            assert f'<a class="dropdown-item" href="{url}">{action.label}</a>' in menu
        elif MENU_STEP[action] == "confirm":
            url = reverse("clients:confirm", args=[navi.pk, action.value])
            assert f'<a class="dropdown-item" href="{url}">{action.label}</a>' in menu
    history = reverse("clients:history", args=[navi.pk])
    assert f'<a class="dropdown-item" href="{history}">Histórico</a>' in menu
    assert "disabled" not in menu
    assert f'href="{reverse("clients:new")}"' in page


def test_post_actions_are_small_forms_with_a_csrf_token(client_a, every_status):
    suspended = every_status[Status.SUSPENDED]
    page = client_a.get(reverse("clients:list") + "?status=suspenso").text
    menu = menu_of(page, suspended)
    url = reverse("clients:cancelar-suspensao", args=[suspended.pk])
    assert re.search(
        rf'<form method="post" action="{url}"><input type="hidden" name="csrfmiddlewaretoken"'
        r' value="[^"]+"><button type="submit" class="dropdown-item">Cancelar suspensão</button>',
        menu,
    )


def test_each_row_menu_carries_its_own_client_escaped(client_a, partner_a, make_client):
    # Each row's menu names its own client, escaped, and links to its own history.
    first = make_client(partner_a, name='Bar <b>"Um"</b>')
    second = make_client(partner_a, name="Bar {pk} {name} Dois")
    page = client_a.get(reverse("clients:list")).text
    assert 'aria-label="Ações de Bar &lt;b&gt;&quot;Um&quot;&lt;/b&gt;"' in page
    assert 'aria-label="Ações de Bar {pk} {name} Dois"' in page
    for target in (first, second):
        history = reverse("clients:history", args=[target.pk])
        assert page.count(f'href="{history}"') == 1
