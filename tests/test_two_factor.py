"""Two-factor sign-in (TOTP): set up with a QR code, the secret stored encrypted, 10 recovery
codes shown once; the code step at sign-in (counted by the lockout); the team requirement;
turning it off; the vendor's reset in the admin."""

import base64
import datetime
import re

import pytest
import time_machine
from django.conf import settings as django_settings
from django.test import Client as HttpClient
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken

from accounts.models import TOTPDevice
from accounts.services import two_factor_confirm, two_factor_start
from partners.models import Role, TeamEvent
from tests.conftest import PASSWORD


# The clock stands still one second into a 30-second step: the app's current code is the
# same throughout a test, and the one before it is still accepted (tolerance 1).
@pytest.fixture(autouse=True)
def _still_clock():
    moment = datetime.datetime(2026, 5, 15, 15, 0, 1, tzinfo=datetime.UTC)
    with time_machine.travel(moment, tick=False):
        yield


def code_for(device, steps_back=0) -> str:
    return f"{totp(device.bin_key, step=30, digits=6, drift=-steps_back):06d}"


def _secret_shown(page_text) -> bytes:
    secret = re.search(r'id="two-factor-secret">([A-Z2-7=]+)<', page_text).group(1)
    return base64.b32decode(secret)


@pytest.fixture
def with_two_factor(partner_a_user):
    """Partner A's user (ana) with two-factor sign-in on: (device, recovery codes). Confirmed
    with the previous step's code, so that the current one is still unused."""
    device = two_factor_start(partner_a_user)
    codes = two_factor_confirm(device=device, token=code_for(device, steps_back=1))
    device.refresh_from_db()
    return device, codes


def _password_step(http, username="ana"):
    return http.post(reverse("login"), {"username": username, "password": PASSWORD})


def test_setting_it_up_shows_a_qr_code_and_the_secret_which_is_stored_encrypted(client_a):
    page = client_a.get(reverse("accounts:two-factor")).text
    assert "<svg" in page and "Ativar" in page
    key = _secret_shown(page)
    device = TOTPDevice.objects.get()
    assert not device.confirmed and device.bin_key == key
    assert key.hex() not in device.encrypted_key
    assert base64.b32encode(key).decode() not in device.encrypted_key
    from cryptography.fernet import Fernet

    fernet = Fernet(django_settings.TWO_FACTOR_ENCRYPTION_KEY.split(",")[0])
    assert fernet.decrypt(device.encrypted_key.encode()) == key


def test_a_code_from_the_shown_secret_turns_it_on_with_ten_recovery_codes(client_a, partner_a_user):
    key = _secret_shown(client_a.get(reverse("accounts:two-factor")).text)
    code = f"{totp(key, step=30, digits=6):06d}"
    page = client_a.post(reverse("accounts:two-factor"), {"code": code}).text
    assert "Verificação em duas etapas ativada" in page
    shown = re.findall(r'<li class="col">([a-z2-7]{8})</li>', page)
    assert len(shown) == 10 and len(set(shown)) == 10
    assert sorted(shown) == sorted(
        StaticToken.objects.filter(device__user=partner_a_user).values_list("token", flat=True)
    )
    assert TOTPDevice.objects.get().confirmed
    assert TeamEvent.objects.get().action == "ativar-2fa"
    # Shown once: the page now says it is on, without the codes.
    page = client_a.get(reverse("accounts:two-factor")).text
    assert "ativada" in page and shown[0] not in page


def test_a_wrong_code_leaves_it_off(client_a):
    client_a.get(reverse("accounts:two-factor"))
    page = client_a.post(reverse("accounts:two-factor"), {"code": "000000"}).text
    assert "Código incorreto" in page
    assert not TOTPDevice.objects.filter(confirmed=True).exists()
    assert not StaticToken.objects.exists()


def test_sign_in_asks_for_the_code_after_the_password(client, with_two_factor):
    device, _ = with_two_factor
    response = _password_step(client)
    assert response.url == reverse("login-code")
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("clients:list")).url.startswith(reverse("login"))
    response = client.post(reverse("login-code"), {"code": code_for(device)})
    assert response.url == reverse("home")
    assert client.get(reverse("clients:list")).status_code == 200


def test_a_code_is_accepted_once(client, with_two_factor):
    device, _ = with_two_factor
    _password_step(client)
    code = code_for(device)
    client.post(reverse("login-code"), {"code": code})
    other = HttpClient()
    _password_step(other)
    page = other.post(reverse("login-code"), {"code": code})
    assert "Código incorreto ou já usado." in page.text
    assert "_auth_user_id" not in other.session


def test_a_recovery_code_signs_in_once(client, with_two_factor):
    _, codes = with_two_factor
    _password_step(client)
    assert client.post(reverse("login-code"), {"code": codes[0].upper()}).status_code == 302
    other = HttpClient()
    _password_step(other)
    assert "Código incorreto" in other.post(reverse("login-code"), {"code": codes[0]}).text
    assert StaticToken.objects.count() == 9


def test_wrong_codes_count_for_the_sign_in_lockout(client, with_two_factor, settings):
    settings.AXES_FAILURE_LIMIT = 3
    device, _ = with_two_factor
    _password_step(client)
    for _ in range(2):
        assert client.post(reverse("login-code"), {"code": "000000"}).status_code == 200
    response = client.post(reverse("login-code"), {"code": "000001"})
    assert response.status_code == 429 and "Acesso temporariamente bloqueado" in response.text
    # Locked out: the right code and even the right password are refused.
    assert client.post(reverse("login-code"), {"code": code_for(device)}).status_code == 429
    assert "_auth_user_id" not in client.session
    assert _password_step(HttpClient()).status_code == 429


def test_the_code_step_without_a_password_step_goes_to_sign_in(client, db):
    assert client.get(reverse("login-code")).url == reverse("login")


def test_a_team_that_requires_it_sends_members_without_it_to_set_it_up(
    client, partner_a, make_member
):
    partner_a.two_factor_required = True
    partner_a.save()
    make_member(partner_a, "otto", role=Role.OPERATOR)
    _password_step(client, "otto")
    response = client.get(reverse("clients:list"))
    assert response.url == reverse("accounts:two-factor")
    page = client.get(response.url).text
    key = _secret_shown(page)
    page = client.post(
        reverse("accounts:two-factor"), {"code": f"{totp(key, step=30, digits=6):06d}"}
    )
    assert "Códigos de recuperação" in page.text or "códigos de recuperação" in page.text
    assert client.get(reverse("clients:list")).status_code == 200


def test_a_session_not_verified_by_a_code_must_sign_in_again_when_required(
    client, partner_a, partner_a_user, with_two_factor
):
    partner_a.two_factor_required = True
    partner_a.save()
    client.force_login(partner_a_user)  # no code was given
    response = client.get(reverse("clients:list"))
    assert response.url == reverse("login")
    assert "_auth_user_id" not in client.session


def test_an_administrator_requires_it_for_the_team(client, partner_a, with_two_factor):
    device, _ = with_two_factor
    _password_step(client)
    client.post(reverse("login-code"), {"code": code_for(device)})
    response = client.post(reverse("accounts:team-two-factor"), {"required": "on"})
    assert response.url == reverse("accounts:team")
    partner_a.refresh_from_db()
    assert partner_a.two_factor_required
    assert TeamEvent.objects.filter(action="exigir-2fa").exists()
    assert client.get(reverse("clients:list")).status_code == 200  # verified: goes on


def test_turning_it_off_asks_for_the_password_and_a_code_first(client, with_two_factor):
    device, _ = with_two_factor
    _password_step(client)
    client.post(reverse("login-code"), {"code": code_for(device)})
    session = client.session
    session["_sudo_until"] = 0  # the confirmation given at sign-in is no longer fresh
    session.save()
    response = client.post(reverse("accounts:two-factor-disable"))
    assert response.url.startswith(reverse("confirm-identity"))
    assert TOTPDevice.objects.filter(confirmed=True).exists()
    confirm = reverse("confirm-identity") + "?next=" + reverse("accounts:two-factor")
    page = client.post(confirm, {"password": PASSWORD, "code": "000000"})
    assert "Senha ou código incorretos." in page.text
    client.post(confirm, {"password": PASSWORD, "code": code_for(device, steps_back=-1)})
    client.post(reverse("accounts:two-factor-disable"))
    assert not TOTPDevice.objects.exists() and not StaticToken.objects.exists()
    assert TeamEvent.objects.filter(action="desativar-2fa").exists()


def test_it_cannot_be_turned_off_while_the_team_requires_it(client, partner_a, with_two_factor):
    device, _ = with_two_factor
    _password_step(client)
    client.post(reverse("login-code"), {"code": code_for(device)})
    partner_a.two_factor_required = True
    partner_a.save()
    response = client.post(reverse("accounts:two-factor-disable"), follow=True)
    assert "não pode ser desativada" in response.text
    assert TOTPDevice.objects.filter(confirmed=True).exists()


def test_the_vendor_resets_a_users_two_factor_in_the_admin(
    admin_client_, partner_a, partner_a_user, with_two_factor, staff_user
):
    partner_a.two_factor_required = True
    partner_a.save()
    response = admin_client_.post(
        reverse("admin:auth_user_changelist"),
        {"action": "reset_two_factor", "_selected_action": [partner_a_user.pk]},
        follow=True,
    )
    assert "Verificação em duas etapas redefinida para 1 usuário(s)" in response.text
    assert not TOTPDevice.objects.filter(user=partner_a_user).exists()
    assert not StaticToken.objects.exists()
    event = TeamEvent.objects.get(action="redefinir-2fa")
    assert (event.actor, event.partner) == (staff_user, partner_a)
