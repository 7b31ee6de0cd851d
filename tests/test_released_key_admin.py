"""The admin's Chaves liberadas (clients.device_admin): who released which client's device,
read only, the key masked but for its last 4 characters."""

import pytest
from django.urls import reverse

from clients.device_admin import masked
from clients.models import ReleasedKey
from clients.services.devices import client_release_device
from licenses.activation import client_activate

CHANGELIST = reverse("admin:clients_releasedkey_changelist")


@pytest.fixture
def released(partner_a, partner_a_user, make_link_client):
    """A Link client activated on CELULAR-01, its device released by partner A's user."""
    shop, code = make_link_client(partner_a, name="Açougue São João")
    client_activate(code=code, machine="CELULAR-01", version="4.2.1")
    shop.refresh_from_db()
    client_release_device(client=shop, by=partner_a_user)
    return ReleasedKey.objects.get(client=shop)


def test_masked_hides_all_but_the_last_four_and_keeps_the_separators():
    assert masked("ABCD-EFGH-12X4") == "••••-••••-12X4"
    assert masked("ABC") == "ABC"


def test_the_list_shows_who_released_which_device_with_the_key_masked(admin_client_, released):
    page = admin_client_.get(CHANGELIST)
    assert page.status_code == 200
    html = page.text
    assert "Açougue São João" in html and "CELULAR-01" in html
    assert '<td class="field-released_by nowrap">ana</td>' in html
    assert masked(released.key) in html and released.key[-4:] in html
    assert released.key not in html
    change = admin_client_.get(reverse("admin:clients_releasedkey_change", args=[released.pk]))
    assert change.status_code == 200
    assert masked(released.key) in change.text and released.key not in change.text


def test_it_finds_a_row_by_the_clients_name_or_the_whole_key(admin_client_, released):
    for query in ("acougue sao", released.key.lower()):
        found = admin_client_.get(CHANGELIST, {"q": query}).context["cl"].result_list
        assert list(found) == [released], query
    assert not admin_client_.get(CHANGELIST, {"q": released.key[-4:]}).context["cl"].result_count


def test_nothing_is_added_changed_or_deleted_here(admin_client_, released):
    assert admin_client_.get(reverse("admin:clients_releasedkey_add")).status_code == 403
    change = reverse("admin:clients_releasedkey_change", args=[released.pk])
    admin_client_.post(change, {"machine": "OUTRA", "key": "OUTRA-CHAVE"})
    delete = reverse("admin:clients_releasedkey_delete", args=[released.pk])
    assert admin_client_.post(delete, {"post": "yes"}).status_code == 403
    kept = ReleasedKey.objects.get()
    assert (kept.key, kept.machine) == (released.key, "CELULAR-01")
    assert 'value="delete_selected"' not in admin_client_.get(CHANGELIST).text


def test_partner_users_cannot_reach_it(client_a, released):
    response = client_a.get(CHANGELIST)
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
