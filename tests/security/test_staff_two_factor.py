"""The vendor's staff and /admin/: sign-in on the portal's page with a code; a staff session
not verified by a code cannot use the admin; STAFF_REQUIRE_TWO_FACTOR (on by default
outside DEBUG) sends a staff user without two-factor sign-in to set it up, never locking
them out; off (the demo), the password alone opens it."""

import base64
import datetime
import re
import subprocess
import sys
from pathlib import Path

import pytest
import time_machine
from django.urls import reverse
from django_otp.oath import totp

from tests.conftest import PASSWORD, staff_device
from tests.security.helpers import code_for

ROOT = Path(__file__).resolve().parent.parent.parent
ADMIN = reverse("admin:index")


@pytest.fixture(autouse=True)
def _still_clock():
    moment = datetime.datetime(2026, 5, 15, 15, 0, 1, tzinfo=datetime.UTC)
    with time_machine.travel(moment, tick=False):
        yield


def _password_step(http, username="staff"):
    return http.post(
        reverse("login") + f"?next={ADMIN}", {"username": username, "password": PASSWORD}
    )


def test_a_staff_user_without_two_factor_is_taken_to_set_it_up(client, staff_user, settings):
    settings.STAFF_REQUIRE_TWO_FACTOR = True
    response = _password_step(client)
    assert response.url == ADMIN  # signed in: not locked out
    response = client.get(ADMIN, follow=True)
    assert response.redirect_chain[-1][0] == reverse("admin:two-factor")
    assert "Configure a verificação em duas etapas" in response.text
    secret = re.search(r'id="two-factor-secret">([A-Z2-7=]+)<', response.text).group(1)
    page = client.post(
        reverse("admin:two-factor"), {"code": f"{totp(base64.b32decode(secret)):06d}"}
    )
    assert "Verificação em duas etapas ativada" in page.text
    assert len(re.findall(r'<li class="col">', page.text)) == 10
    assert client.get(ADMIN).status_code == 200


def test_a_staff_user_with_two_factor_signs_in_with_a_code(client, staff_user):
    device = staff_device(staff_user)
    assert _password_step(client).url == reverse("login-code")
    assert client.get(ADMIN).status_code == 302  # not signed in yet
    response = client.post(reverse("login-code"), {"code": code_for(device)})
    assert response.url == ADMIN
    assert client.get(ADMIN).status_code == 200


@pytest.mark.parametrize("required", [True, False])
def test_a_staff_session_not_verified_by_a_code_cannot_use_the_admin(
    client, staff_user, settings, required
):
    settings.STAFF_REQUIRE_TWO_FACTOR = required
    staff_device(staff_user)
    client.force_login(staff_user)  # a session without the code
    response = client.get(ADMIN, follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("login"))
    assert "_auth_user_id" not in client.session
    assert reverse("admin:clients_client_changelist") not in response.text


def test_without_the_setting_the_password_alone_opens_the_admin(client, staff_user, settings):
    settings.STAFF_REQUIRE_TWO_FACTOR = False
    _password_step(client)
    assert client.get(ADMIN).status_code == 200


def test_a_partner_user_is_refused_by_the_admin(client_a):
    response = client_a.get(ADMIN, follow=True)
    assert response.status_code == 403
    assert "A administração é da equipe do fornecedor." in response.text


def _setting(debug: str) -> str:
    code = "from django.conf import settings; print(settings.STAFF_REQUIRE_TWO_FACTOR)"
    env = {"DEBUG": debug, "SECRET_KEY": "x", "PATH": "/usr/bin:/bin"}
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env={**env, **_keys()},
        capture_output=True,
        text=True,
        timeout=120,
    )
    return result.stdout.strip().splitlines()[-1] if result.stdout.strip() else result.stderr


def _keys():
    import os

    names = ("CERTIFICATE_ENCRYPTION_KEY", "TWO_FACTOR_ENCRYPTION_KEY", "HOME")
    return {name: os.environ[name] for name in names if name in os.environ}


def test_the_setting_is_on_by_default_outside_debug():
    assert _setting("false") == "True"
    assert _setting("true") == "False"
