"""The sign-in lockout counts per account (whatever spelling names it) and per client address,
at the password step, the code step and the admin's sign-in alike."""

import pytest
from axes.models import AccessAttempt
from django.test import Client as HttpClient
from django.urls import reverse

from tests.conftest import PASSWORD
from tests.security.helpers import code_for, enrol


def _sign_in(http, username, password="errada", address="198.51.100.7"):
    return http.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address
    )


@pytest.fixture
def otto(partner_a, make_member):
    return make_member(partner_a, "otto", email="Otto@Alfa.example.com")


def test_every_spelling_of_an_account_counts_against_it(client, otto, settings):
    settings.AXES_FAILURE_LIMIT = 4
    for spelling in ("otto", "OTTO", "Otto"):
        assert _sign_in(client, spelling).status_code == 200
    assert _sign_in(client, "otto@alfa.example.com").status_code == 429  # the fourth
    # Locked out: even the right password, by any spelling.
    assert _sign_in(client, "oTTo", PASSWORD).status_code == 429
    assert _sign_in(client, "OTTO@ALFA.EXAMPLE.COM", PASSWORD).status_code == 429
    assert "_auth_user_id" not in client.session
    assert set(AccessAttempt.objects.values_list("username", flat=True)) == {"otto"}


def test_failures_from_many_addresses_lock_the_account(client, otto, settings):
    settings.AXES_FAILURE_LIMIT = 3
    for number in range(3):
        _sign_in(HttpClient(), "otto", address=f"203.0.113.{number}")
    assert _sign_in(client, "otto", PASSWORD, address="192.0.2.50").status_code == 429


def test_an_unknown_name_is_counted_by_its_folded_form(client, db, settings):
    settings.AXES_FAILURE_LIMIT = 3
    for spelling in ("Ghost", "GHOST", "ghost"):
        _sign_in(client, spelling)
    assert AccessAttempt.objects.get().username == "ghost"
    assert _sign_in(client, "gHoSt").status_code == 429


def test_failures_against_many_accounts_lock_the_address(client, otto, settings):
    settings.SIGN_IN_ADDRESS_FAILURE_LIMIT = 4
    for name in ("ana", "bia", "caio", "duda"):
        _sign_in(HttpClient(), name)
    # The address is locked out, even for an account with no failures of its own...
    assert _sign_in(client, "otto", PASSWORD).status_code == 429
    # ...and the account is not: from another address it signs in.
    assert _sign_in(HttpClient(), "otto", PASSWORD, address="192.0.2.50").status_code == 302


def test_signing_in_to_ones_own_account_does_not_clear_the_address_count(
    client, otto, make_member, partner_a, settings
):
    settings.SIGN_IN_ADDRESS_FAILURE_LIMIT = 4
    make_member(partner_a, "ivo")
    for name in ("ana", "bia", "caio"):
        _sign_in(HttpClient(), name)
    assert _sign_in(HttpClient(), "ivo", PASSWORD).status_code == 302
    _sign_in(HttpClient(), "duda")
    assert _sign_in(client, "otto", PASSWORD).status_code == 429


def test_wrong_codes_count_against_the_account_however_it_was_named(client, otto, settings):
    settings.AXES_FAILURE_LIMIT = 3
    device = enrol(otto)
    _sign_in(client, "OTTO@alfa.example.com", PASSWORD)
    assert client.post(reverse("login-code"), {"code": "000000"}).status_code == 200
    assert client.post(reverse("login-code"), {"code": "000001"}).status_code == 200
    # The third failure, under another spelling's password step, reaches the account's limit.
    assert _sign_in(HttpClient(), "Otto").status_code == 429
    response = client.post(reverse("login-code"), {"code": code_for(device)})
    assert response.status_code == 429 and "_auth_user_id" not in client.session


def test_the_admin_signs_in_through_the_portals_sign_in(client, db):
    # There is no second password form (with a count of its own) for the admin.
    response = client.get(reverse("admin:login") + "?next=/admin/")
    assert response.status_code == 302
    assert response.url == reverse("login") + "?next=/admin/"
