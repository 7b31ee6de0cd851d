"""A new e-mail address counts only once a link sent to it is opened; the old address is
told, with a link that cancels (or undoes) the change and ends every session. The answer
is the same whether or not another account has the address."""

import datetime
import re

import pytest
import time_machine
from django.contrib.sessions.models import Session
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone

from partners.models import TeamEvent
from tests.conftest import PASSWORD
from tests.security.helpers import sign_in

NEW = "novo@exemplo.com.br"


@pytest.fixture
def otto(partner_a, make_member):
    return make_member(partner_a, "otto", email="otto@alfa.example.com")


@pytest.fixture
def signed_in(client, otto):
    sign_in(client, "otto", PASSWORD)
    return client


def _ask(http, email=NEW):
    return http.post(reverse("accounts:email"), {"email": email}, follow=True)


def _links(message) -> list[str]:
    return re.findall(r"https?://[^/\s]+(/email/\S+/)", message.body)


def _mail_to(mailoutbox, address):
    return next(message for message in mailoutbox if message.to == [address])


def test_the_new_address_confirms_with_its_link_and_the_old_one_is_told(
    signed_in, otto, mailoutbox
):
    response = _ask(signed_in)
    assert f"Enviamos um link para {NEW}" in response.text
    assert "Avisamos também otto@alfa.example.com." in response.text
    otto.refresh_from_db()
    assert otto.email == "otto@alfa.example.com"  # not until the link is opened

    (confirm,) = _links(_mail_to(mailoutbox, NEW))
    (report,) = _links(_mail_to(mailoutbox, "otto@alfa.example.com"))
    assert confirm.startswith("/email/confirmar/") and report.startswith("/email/contestar/")
    link_opener = HttpClient()
    assert "Confirmar o novo e-mail" in link_opener.get(confirm).text  # a GET changes nothing
    otto.refresh_from_db()
    assert otto.email == "otto@alfa.example.com"
    link_opener.post(confirm)
    otto.refresh_from_db()
    assert otto.email == NEW
    assert TeamEvent.objects.filter(action="email").exists()
    # Once.
    assert link_opener.get(confirm).status_code == 404


def test_a_taken_address_gets_the_same_answer_and_cannot_be_confirmed(
    signed_in, otto, partner_b, make_member, mailoutbox
):
    make_member(partner_b, "bia", email=NEW)
    response = _ask(signed_in, NEW.upper())
    # The answer a free address gets (test above), word for word.
    assert (
        "Enviamos um link para NOVO@exemplo.com.br: o e-mail da conta muda quando você abri-lo"
        in response.text
    )
    notice = _mail_to(mailoutbox, "NOVO@exemplo.com.br")
    assert "já é o e-mail de outra conta" in notice.body and _links(notice) == []
    assert "otto" not in notice.body  # the owner of the address learns nothing either
    otto.refresh_from_db()
    assert otto.email == "otto@alfa.example.com"


def test_a_confirmation_link_expires(signed_in, otto, mailoutbox):
    _ask(signed_in)
    (confirm,) = _links(_mail_to(mailoutbox, NEW))
    with time_machine.travel(timezone.now() + datetime.timedelta(hours=24, seconds=1)):
        assert HttpClient().post(confirm).status_code == 404
    otto.refresh_from_db()
    assert otto.email == "otto@alfa.example.com"


def test_the_old_address_reports_a_pending_change_which_ends_every_session(
    signed_in, otto, mailoutbox
):
    key = signed_in.session.session_key
    _ask(signed_in)
    (confirm,) = _links(_mail_to(mailoutbox, NEW))
    (report,) = _links(_mail_to(mailoutbox, "otto@alfa.example.com"))
    page = HttpClient().post(report)
    assert "Troca de e-mail cancelada" in page.text
    assert not Session.objects.filter(session_key=key).exists()
    assert HttpClient().post(confirm).status_code == 404
    otto.refresh_from_db()
    assert otto.email == "otto@alfa.example.com"
    assert TeamEvent.objects.filter(action="email-contestado").exists()


def test_the_old_address_undoes_a_confirmed_change(signed_in, otto, mailoutbox):
    _ask(signed_in)
    (confirm,) = _links(_mail_to(mailoutbox, NEW))
    (report,) = _links(_mail_to(mailoutbox, "otto@alfa.example.com"))
    HttpClient().post(confirm)
    HttpClient().post(report)
    otto.refresh_from_db()
    assert otto.email == "otto@alfa.example.com"


def test_an_address_change_is_refused_on_minha_contas_own_form(signed_in, otto):
    signed_in.post(
        reverse("accounts:account"), {"first_name": "Otto", "email": "outro@exemplo.com.br"}
    )
    otto.refresh_from_db()
    assert (otto.first_name, otto.email) == ("Otto", "otto@alfa.example.com")
