"""Two-factor sign-in that holds: turning it on or off and a new password end the user's
other sessions; sensitive changes ask for a fresh password and code (the sudo window); the
team's requirement covers every partner page, Início included; members see their sessions
and end them."""

import datetime

import pytest
import time_machine
from axes.models import AccessAttempt
from django.contrib.sessions.models import Session
from django.test import Client as HttpClient
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticToken

from accounts.models import TOTPDevice, UserSession
from partners.models import Role
from tests.conftest import PASSWORD
from tests.security.helpers import code_for, enrol, expire_sudo, sign_in

NEW = "Outra-senha-forte-2026"


@pytest.fixture(autouse=True)
def _still_clock():
    """The clock stands still inside one 30-second step: each code is the same throughout."""
    moment = datetime.datetime(2026, 5, 15, 15, 0, 1, tzinfo=datetime.UTC)
    with time_machine.travel(moment, tick=False):
        yield


def _signed_in(http) -> bool:
    return http.get(reverse("clients:list")).status_code == 200


def _key(http) -> str:
    return http.session.session_key


def test_turning_two_factor_on_ends_the_other_sessions(client, partner_a_user):
    other = HttpClient()
    for http in (client, other):
        sign_in(http, "ana", PASSWORD)
    other_key = _key(other)
    client.get(reverse("accounts:two-factor"))
    device = TOTPDevice.objects.get(confirmed=False)
    page = client.post(reverse("accounts:two-factor"), {"code": code_for(device)})
    assert "As suas outras sessões foram encerradas." in page.text
    assert _signed_in(client) and not _signed_in(other)
    assert not Session.objects.filter(session_key=other_key).exists()


def test_turning_two_factor_off_ends_the_other_sessions(client, partner_a_user):
    device = enrol(partner_a_user)
    other = HttpClient()
    sign_in(client, "ana", PASSWORD, device)
    sign_in(other, "ana", PASSWORD, device, steps_back=-1)
    response = client.post(reverse("accounts:two-factor-disable"), follow=True)
    assert "As suas outras sessões foram encerradas." in response.text
    assert not TOTPDevice.objects.filter(confirmed=True).exists()
    assert _signed_in(client) and not _signed_in(other)


def test_a_new_password_removes_the_other_sessions_from_the_store(client, partner_a_user):
    other = HttpClient()
    for http in (client, other):
        sign_in(http, "ana", PASSWORD)
    other_key = _key(other)
    response = client.post(
        reverse("accounts:password"), {"new_password1": NEW, "new_password2": NEW}, follow=True
    )
    assert "As suas outras sessões foram encerradas." in response.text
    assert not Session.objects.filter(session_key=other_key).exists()
    assert _signed_in(client) and not _signed_in(other)
    # The session that changed it goes on, still listed (under its new key).
    assert UserSession.objects.get().session_key == _key(client)


def test_a_password_reset_ends_every_session(client, partner_a, make_member, mailoutbox):
    import re

    make_member(partner_a, "otto", email="otto@alfa.example.com")
    signed_in = HttpClient()
    sign_in(signed_in, "otto", PASSWORD)
    key = _key(signed_in)
    client.post(reverse("password_reset"), {"email": "otto@alfa.example.com"})
    link = re.search(r"https?://[^/\s]+(/senha/nova/\S+)", mailoutbox[-1].body).group(1)
    form = client.get(link, follow=True).redirect_chain[-1][0]
    response = client.post(form, {"new_password1": NEW, "new_password2": NEW}, follow=True)
    assert "as sessões que estavam abertas na sua conta foram encerradas" in response.text
    assert not Session.objects.filter(session_key=key).exists()


SENSITIVE = [
    ("get", "accounts:email", False),
    ("get", "accounts:password", False),
    ("get", "accounts:two-factor", False),  # setting it up makes recovery codes
    ("post", "accounts:recovery-codes", True),
    ("post", "accounts:two-factor-disable", True),
]


@pytest.mark.parametrize(("method", "name", "enrolled"), SENSITIVE)
def test_a_sensitive_change_asks_for_a_fresh_confirmation(
    client, partner_a_user, method, name, enrolled
):
    device = enrol(partner_a_user) if enrolled else None
    sign_in(client, "ana", PASSWORD, device)
    codes_before = list(StaticToken.objects.values_list("token", flat=True))
    expire_sudo(client)
    response = getattr(client, method)(reverse(name))
    assert response.status_code == 302
    assert response.url.startswith(reverse("confirm-identity") + "?next=")
    assert TOTPDevice.objects.filter(confirmed=True).count() == (1 if enrolled else 0)
    assert list(StaticToken.objects.values_list("token", flat=True)) == codes_before


def test_with_two_factor_on_the_confirmation_needs_a_code_not_just_the_password(
    client, partner_a_user
):
    device = enrol(partner_a_user)
    sign_in(client, "ana", PASSWORD, device)
    expire_sudo(client)
    confirm = reverse("confirm-identity") + "?next=" + reverse("accounts:two-factor")
    page = client.post(confirm, {"password": PASSWORD})
    assert page.status_code == 200 and "Este campo é obrigatório." in page.text
    page = client.post(confirm, {"password": PASSWORD, "code": "000000"})
    assert "Senha ou código incorretos." in page.text
    assert client.post(reverse("accounts:two-factor-disable")).url.startswith(
        reverse("confirm-identity")
    )
    response = client.post(confirm, {"password": PASSWORD, "code": code_for(device, -1)})
    assert response.url == reverse("accounts:two-factor")
    client.post(reverse("accounts:two-factor-disable"))
    assert not TOTPDevice.objects.exists()


def test_wrong_confirmations_count_for_the_sign_in_lockout(client, partner_a_user, settings):
    settings.AXES_FAILURE_LIMIT = 3
    sign_in(client, "ana", PASSWORD)
    expire_sudo(client)
    confirm = reverse("confirm-identity")
    for _ in range(2):
        assert client.post(confirm, {"password": "errada"}).status_code == 200
    assert client.post(confirm, {"password": "errada"}).status_code == 429
    assert client.post(confirm, {"password": PASSWORD}).status_code == 429
    assert AccessAttempt.objects.get().username == "ana"


@pytest.mark.parametrize("name", ["home", "clients:list", "accounts:account"])
def test_the_teams_requirement_covers_every_partner_page_inicio_included(
    client, partner_a, make_member, name
):
    partner_a.two_factor_required = True
    partner_a.save()
    make_member(partner_a, "otto", role=Role.VIEWER)
    sign_in(client, "otto", PASSWORD)
    response = client.get(reverse(name))
    assert response.status_code == 302 and response.url == reverse("accounts:two-factor")


def test_members_see_their_open_sessions_and_end_one(client, partner_a_user):
    other = HttpClient(headers={"User-Agent": "Mozilla/5.0 (Windows NT 10.0) Firefox/140.0"})
    sign_in(other, "ana", PASSWORD)
    sign_in(client, "ana", PASSWORD)
    page = client.get(reverse("accounts:account")).text
    assert page.count('class="list-group-item d-flex justify-content-between') == 2
    assert "Firefox no Windows" in page and "esta sessão" in page
    record = UserSession.objects.get(session_key=_key(other))
    response = client.post(reverse("accounts:sessions-end"), {"session": record.pk})
    assert response.url == reverse("accounts:account")
    assert not _signed_in(other) and _signed_in(client)


def test_ending_all_other_sessions_keeps_this_one(client, partner_a_user):
    others = [HttpClient(), HttpClient()]
    for http in [*others, client]:
        sign_in(http, "ana", PASSWORD)
    client.post(reverse("accounts:sessions-end"), {"session": "outras"})
    assert [_signed_in(http) for http in [*others, client]] == [False, False, True]


def test_no_one_ends_another_users_session(client, partner_a_user, partner_b_user):
    other = HttpClient()
    sign_in(other, "bruno", PASSWORD)
    sign_in(client, "ana", PASSWORD)
    record = UserSession.objects.get(user=partner_b_user)
    response = client.post(reverse("accounts:sessions-end"), {"session": record.pk})
    assert response.status_code == 404 and _signed_in(other)


def test_a_session_whose_record_is_gone_is_signed_out(client, partner_a_user):
    """A store that kept an ended session (another engine, a race) does not keep it open:
    the record is looked at again every few minutes."""
    sign_in(client, "ana", PASSWORD)
    UserSession.objects.all().delete()
    assert _signed_in(client)  # within the last few minutes: not looked at yet
    with time_machine.travel(datetime.timedelta(minutes=6)):
        assert not _signed_in(client)
