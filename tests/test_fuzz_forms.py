"""Fuzzing the forms: + Novo cliente, Editar, Reativar, the confirmation page and its action,
the certificate upload, the sign-in page and the admin's client form, with every POST field
hostile (long, unicode, HTML- and SQL-looking, NUL bytes, repeated, missing).

Never a 5xx; a refused form changes nothing and shows what was typed, escaped; a redirect
stays on the site; nothing stored holds a NUL; and what partners stored themselves (names,
cities, reasons) is escaped on every page that shows it.
"""

import functools
import io
from urllib.parse import quote

import pytest
from django.urls import reverse
from hypothesis import event, given
from hypothesis import strategies as st

from clients.domain.actions import Action
from clients.domain.status import Status
from clients.models import Client, ClientEvent, Module, RegistrationCode
from tests.client_actions import action_url
from tests.conftest import PASSWORD
from tests.fuzz import (
    assert_echoed_escaped,
    assert_escaped,
    assert_local_redirect,
    assert_no_nul_stored,
    assert_no_server_error,
    database_state,
    form_data,
    fuzz_settings,
    rolled_back,
    stored_text,
    text,
)
from tests.pkcs12 import CERTIFICATE_PASSWORD, make_pfx

pytestmark = pytest.mark.usefixtures("action_day")

LICENSES = {module.value: "" for module in Module} | {"principal": "2", "cloud": "on"}
CLIENT_DATA = {
    "name": "Mercado Novo",
    "email": "contato@mercadonovo.com.br",
    "uf": "SP",
    "city": "Campinas",
    "renewal": "manual",
    **LICENSES,
    "next": "/clientes/",
    "loaded_version": "0",
}
NEW_CLIENT = {**CLIENT_DATA, "cpf_cnpj": "11.222.333/0001-81", "product": "navi"}
ECHOED = ("name", "email", "city")


def post_form(http, url, data, *, files=None, echoed=()):
    """POST `data`; check what must hold whatever it was. The answer, for more checks."""
    before = database_state()
    response = http.post(url, {**data, **(files or {})})
    event(f"HTTP {response.status_code}")
    assert_no_server_error(response)
    if response.status_code == 302:
        assert_local_redirect(response)
        assert_no_nul_stored()
        page = http.get(response["Location"])
        assert_no_server_error(page)
        assert_escaped(page)
    else:
        assert database_state() == before
        assert_escaped(response)
        if response.status_code == 200:
            assert_echoed_escaped(response, data, echoed)
    return response


@given(data=form_data(NEW_CLIENT))
@fuzz_settings(max_examples=60)
def test_new_client_form_survives_any_input(client_a, data):
    with rolled_back():
        clients = Client.objects.count()
        response = post_form(client_a, reverse("clients:new"), data, echoed=(*ECHOED, "cpf_cnpj"))
        assert Client.objects.count() == clients + (response.status_code == 302)


@pytest.fixture
def make_shop(partner_a, make_client_in):
    def make(status, **fields):
        return make_client_in(partner_a, status, **{"name": "Mercado Velho", **fields})

    return make


@given(data=form_data({**CLIENT_DATA, "name": "Mercado Editado"}))
@fuzz_settings(max_examples=50)
def test_edit_form_survives_any_input(client_a, make_shop, data):
    with rolled_back():
        shop = make_shop(Status.ACTIVE)
        post_form(client_a, action_url(Action.EDIT, shop), data, echoed=ECHOED)


@given(data=form_data({**CLIENT_DATA, "name": "Mercado Reativado"}))
@fuzz_settings(max_examples=30)
def test_reactivate_form_survives_any_input(client_a, make_shop, data):
    with rolled_back():
        shop = make_shop(Status.INACTIVE)
        post_form(client_a, action_url(Action.REACTIVATE, shop), data, echoed=ECHOED)


CONFIRMED = [Action.SUSPEND, Action.UNSUSPEND, Action.HIDE, Action.UNHIDE, Action.RENEW]


@given(
    status=st.sampled_from(Status),
    action=st.sampled_from(CONFIRMED),
    name=stored_text.map(lambda name: name[:200]),
    next_=text,
)
@fuzz_settings(max_examples=40)
def test_confirmation_page_and_its_action_survive_any_next(
    client_a, make_shop, status, action, name, next_
):
    with rolled_back():
        shop = make_shop(status, name=name)
        url = reverse("clients:confirm", args=[shop.pk, action.value])
        page = client_a.get(url, {"next": next_})
        event(f"confirm HTTP {page.status_code}")
        assert_no_server_error(page)
        assert_escaped(page)
        if page.status_code == 302:  # not allowed in this status: back, with a message
            assert_local_redirect(page)
        response = post_form(client_a, action_url(action, shop), {"next": next_})
        assert response.status_code == 302


@given(action=text)
@fuzz_settings(max_examples=20)
def test_confirmation_page_of_an_unknown_action_survives(client_a, make_shop, action):
    with rolled_back():
        shop = make_shop(Status.ACTIVE)
        response = client_a.get(f"/clientes/{shop.pk}/confirmar/{quote(action, safe='')}/")
        assert_no_server_error(response)
        assert_escaped(response)


CNPJ = "11222333000181"
certificate_of = functools.cache(make_pfx)  # a PKCS#12 file takes a while to make


def uploaded(contents: bytes, name: str):
    """A file for the test client that sends `name` as it is (SimpleUploadedFile would refuse
    some names before they reach the server)."""
    file = io.BytesIO(contents)
    file.name, file.content_type = name, "application/x-pkcs12"
    return file


def flipped(data: bytes, changes) -> bytes:
    mutable = bytearray(data)
    for position, value in changes:
        mutable[position % len(mutable)] = value
    return bytes(mutable)


def certificate_files(pfx: bytes):
    """Bytes a partner might upload: noise, the real file cut or with bytes changed, empty,
    over the limit, and the real file itself."""
    return st.one_of(
        st.binary(max_size=2_000),
        st.just(pfx),
        st.builds(lambda cut: pfx[:cut], st.integers(0, len(pfx))),
        st.builds(
            flipped,
            st.just(pfx),
            st.lists(st.tuples(st.integers(0), st.integers(0, 255)), min_size=1, max_size=4),
        ),
        st.sampled_from([b"", b"0" * (1024 * 1024 + 1)]),
    )


@given(data=st.data())
@fuzz_settings(max_examples=40)
def test_certificate_upload_survives_any_file_and_password(client_a, make_shop, data):
    pfx = certificate_of(CNPJ)
    contents = data.draw(certificate_files(pfx), label="file")
    name = data.draw(st.one_of(st.just("certificado.pfx"), text), label="file name")
    fields = data.draw(form_data({"password": CERTIFICATE_PASSWORD}), label="fields")
    with rolled_back():
        shop = make_shop(Status.ACTIVE, cpf_cnpj=CNPJ)  # Navi
        post_form(
            client_a,
            reverse("clients:certificado", args=[shop.pk]),
            fields,
            files={"file": uploaded(contents, name)},
        )


@given(data=form_data({"username": "ana", "password": PASSWORD, "next": "/clientes/"}))
@fuzz_settings(max_examples=50)
def test_sign_in_survives_any_input(client, partner_a_user, data):
    with rolled_back():
        response = post_form(client, reverse("login"), data, echoed=("username",))
        assert response.status_code in (200, 302, 429)
    client.cookies.clear()


ADMIN_CLIENT_DATA = {
    **{
        f"{prefix}-{name}": value
        for prefix in ("registration_codes", "events")
        for name, value in [("TOTAL_FORMS", "0"), ("INITIAL_FORMS", "0")]
    },
    "name": "Mercado do Admin",
    "email": "admin@mercado.com.br",
    "uf": "SP",
    "city": "São Paulo",
    "renewal": "manual",
    "notes": "Observação da equipe.",
    "loaded_version": "0",
}
ADMIN_LICENSES_DATA = {**LICENSES, "loaded_version": "0"}


def admin_change_url(shop):
    return reverse("admin:clients_client_change", args=[shop.pk])


def admin_licenses_url(shop):
    return reverse("admin:clients_client_licenses", args=[shop.pk])


def test_the_admin_baselines_are_valid(staff_http, make_shop):
    # The fuzz below starts from these forms: they must save, so that fuzzing reaches the save.
    shop = make_shop(Status.ACTIVE)
    assert staff_http.post(admin_change_url(shop), ADMIN_CLIENT_DATA).status_code == 302
    shop.refresh_from_db()
    assert (shop.name, shop.version) == ("Mercado do Admin", 1)
    licenses = {**ADMIN_LICENSES_DATA, "loaded_version": "1"}
    assert staff_http.post(admin_licenses_url(shop), licenses).status_code == 302
    assert shop.licenses.get(module="principal").quantity == 2


@given(data=form_data(ADMIN_CLIENT_DATA))
@fuzz_settings(max_examples=40)
def test_admin_client_form_survives_any_input(staff_http, make_shop, data):
    with rolled_back():
        shop = make_shop(Status.SUSPENDED)
        post_form(staff_http, admin_change_url(shop), data, echoed=("name", "notes"))


@given(data=form_data(ADMIN_LICENSES_DATA))
@fuzz_settings(max_examples=30)
def test_admin_licenses_page_survives_any_input(staff_http, make_shop, data):
    with rolled_back():
        shop = make_shop(Status.ACTIVE)
        post_form(staff_http, admin_licenses_url(shop), data)


@given(data=st.data())
@fuzz_settings(max_examples=30)
def test_admin_review_actions_survive_any_input(staff_http, make_shop, data):
    # Approve, reject (with its reason form) or delete the selected clients, as Pendente
    # review does: any action, selection and reason.
    with rolled_back():
        shop = make_shop(Status.PENDING, pending_reason="Revisar")
        valid = {
            "action": "reject",
            "index": "0",
            "_selected_action": str(shop.pk),
            "apply": "yes",
            "reason": "Cadastro duplicado.",
            "post": "yes",
        }
        fields = data.draw(form_data(valid), label="fields")
        fields["action"] = data.draw(
            st.one_of(
                st.sampled_from(["approve", "reject", "suspend", "hide", "reactivate"]), text
            ),
            label="action",
        )
        post_form(staff_http, reverse("admin:clients_client_changelist"), fields)


@given(
    status=st.sampled_from(Status),
    name=stored_text.map(lambda name: name[:200]),
    city=stored_text.map(lambda city: city[:100]),
    reason=stored_text.map(lambda reason: reason[:300]),
    machine=stored_text.map(lambda machine: machine[:200]),
)
@fuzz_settings(max_examples=25)
def test_stored_text_is_escaped_on_every_page(
    client_a, staff_http, make_shop, status, name, city, reason, machine
):
    with rolled_back():
        shop = make_shop(status, name=name, pending_reason=reason)
        Client.objects.filter(pk=shop.pk).update(city=city, link_version=machine[:40])
        RegistrationCode.objects.create(client=shop, machine=machine)
        ClientEvent.objects.create(
            client=shop,
            action=machine[:40],
            actor_label=name[:60],
            before={"name": name, machine: city},
            after={"name": city, "status": reason},
            note=reason,
        )
        pages = [
            (client_a, reverse("clients:list"), {}),
            (client_a, reverse("clients:history", args=[shop.pk]), {}),
            (client_a, action_url(Action.EDIT, shop), {}),
            (client_a, reverse("clients:certificado", args=[shop.pk]), {}),
            *(
                (client_a, reverse("clients:confirm", args=[shop.pk, action.value]), {})
                for action in CONFIRMED
            ),
            (staff_http, reverse("admin:clients_client_changelist"), {"q": name[:50]}),
            (staff_http, reverse("admin:clients_client_change", args=[shop.pk]), {}),
        ]
        for http, url, query in pages:
            page = http.get(url, query)
            assert_no_server_error(page)
            assert_escaped(page)
