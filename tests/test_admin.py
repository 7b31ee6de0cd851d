"""The vendor's Django admin: status filter, document search, validation, approving."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from clients.models import Client, ClientEvent, License, Module
from clients.status import Status

CHANGELIST = reverse("admin:clients_client_changelist")


def test_the_client_list_filters_by_derived_status(admin_client_, partner_a, make_client):
    today = timezone.localdate()
    make_client(partner_a, name="Ativo Um", expires_on=today + dt.timedelta(days=10))
    make_client(partner_a, name="Velho Dois", expires_on=dt.date(2020, 1, 31))
    response = admin_client_.get(CHANGELIST, {"status": Status.INATIVO})
    names = [c.name for c in response.context["cl"].result_list]
    assert names == ["Velho Dois"]


def test_search_finds_a_document_typed_with_or_without_punctuation(
    admin_client_, partner_a, make_client
):
    make_client(partner_a, name="Mercado Alfa", cpf_cnpj="11222333000181")
    make_client(partner_a, name="Outro")
    for term in ("11.222.333/0001-81", "11222333000181", "mercado"):
        response = admin_client_.get(CHANGELIST, {"q": term})
        assert [c.name for c in response.context["cl"].result_list] == ["Mercado Alfa"], term


def _add_form(partner, **overrides):
    data = {
        "partner": partner.pk,
        "name": "Nova Loja",
        "cpf_cnpj": "529.982.247-25",
        "email": "loja@example.com",
        "uf": "SP",
        "city": "Campinas",
        "product": "link",
        "registered_on": "01/11/2026",
        "expires_on": "01/12/2026",
        "renewal": "manual",
        "pending_reason": "",
    }
    for prefix in ("licenses", "registration_codes", "events"):
        data.update({f"{prefix}-TOTAL_FORMS": 0, f"{prefix}-INITIAL_FORMS": 0})
    data.update(overrides)
    return data


def _change(admin_client_, client, partner=None, quantity=1, **overrides):
    """POST the admin's change form of `client` with its main license at `quantity`."""
    license_ = client.licenses.get()
    data = _add_form(
        partner or client.partner, **{"licenses-TOTAL_FORMS": 1, "licenses-INITIAL_FORMS": 1}
    )
    data.update(
        {
            "licenses-0-id": license_.pk,
            "licenses-0-client": client.pk,
            "licenses-0-module": Module.MAIN,
            "licenses-0-quantity": quantity,
            **overrides,
        }
    )
    return admin_client_.post(reverse("admin:clients_client_change", args=[client.pk]), data)


def test_the_admin_saves_a_valid_client_with_the_document_normalised(admin_client_, partner_a):
    response = admin_client_.post(reverse("admin:clients_client_add"), _add_form(partner_a))
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert Client.objects.get().cpf_cnpj == "52998224725"


def test_the_admin_rejects_bad_input_in_portuguese_and_saves_nothing(
    admin_client_, partner_a, make_client
):
    make_client(partner_a, cpf_cnpj="52998224725", product="link")
    cases = {
        "cpf_cnpj": ({"cpf_cnpj": "529.982.247-24"}, "CPF/CNPJ inválido"),
        "uf": ({"uf": "XX"}, "Faça uma escolha válida"),
        "city": ({"city": "Curitiba"}, "não é um município de SP"),
        "duplicate": ({}, "já tem um cliente com este CPF/CNPJ para este produto"),
    }
    for case, (overrides, message) in cases.items():
        response = admin_client_.post(
            reverse("admin:clients_client_add"), _add_form(partner_a, **overrides)
        )
        assert response.status_code == 200, case
        assert message in response.text, case
    assert Client.objects.count() == 1


def test_the_admin_rejects_a_negative_license_count(admin_client_, partner_a, make_client):
    client = make_client(partner_a, name="Loja", cpf_cnpj="52998224725")
    response = _change(admin_client_, client, quantity=-2)
    assert response.status_code == 200
    assert "Certifique-se que este valor seja maior ou igual a 0." in response.text
    assert License.objects.get().quantity == 1


def test_approving_a_pending_client_records_it_in_the_history(
    admin_client_, staff_user, partner_a, make_client
):
    pending = make_client(partner_a, pending_since=timezone.now(), pending_reason="Duplicado")
    active = make_client(partner_a)
    response = admin_client_.post(
        CHANGELIST,
        {"action": "approve", "_selected_action": [pending.pk, active.pk]},
        follow=True,
    )
    assert "1 cliente(s) aprovado(s)." in response.text
    assert "Só um cliente Pendente pode ser aprovado." in response.text
    pending.refresh_from_db()
    assert pending.status == Status.ATIVO and pending.pending_reason == ""
    event = ClientEvent.objects.get()
    assert (event.client, event.actor, event.action) == (pending, staff_user, "aprovar")
    assert event.before["status"] == "pendente" and event.after["status"] == "ativo"


def test_every_model_has_an_admin_page(admin_client_):
    for name in (
        "clients_partner",
        "clients_client",
        "clients_clientevent",
        "auth_user",
        "clients_license",
        "clients_registrationcode",
    ):
        assert admin_client_.get(reverse(f"admin:{name}_changelist")).status_code == 200, name


@pytest.mark.parametrize(
    "url,field",
    [
        ("admin:clients_client_add", "partner"),
        ("admin:clients_license_add", "client"),
        ("admin:clients_registrationcode_add", "client"),
        ("admin:clients_partner_add", "users-0-user"),  # an inline's autocomplete
    ],
)
def test_an_autocomplete_value_that_is_no_id_is_a_form_error_not_a_500(admin_client_, url, field):
    management = {"users-TOTAL_FORMS": "1", "users-INITIAL_FORMS": "0"}
    response = admin_client_.post(reverse(url), {**management, field: "abc"})
    assert response.status_code == 200
    assert "Faça uma escolha válida" in response.text


@pytest.mark.parametrize(
    "url,lookup",
    [
        ("admin:clients_client_changelist", "product__exact"),
        ("admin:clients_clientevent_changelist", "action__exact"),
        ("admin:clients_notificationlog_changelist", "kind__exact"),
        ("admin:clients_license_changelist", "module__exact"),
    ],
)
def test_a_list_filter_value_with_a_nul_is_refused_not_a_500(admin_client_, url, lookup):
    # PostgreSQL refuses NUL in text: the filter value would have reached the query as typed.
    assert admin_client_.get(reverse(url), {lookup: "link\x00"}).status_code == 400


@pytest.mark.parametrize("selected", ["abc", "\x00", "1" * 30])
def test_an_action_on_a_selection_that_is_no_id_changes_nothing(
    admin_client_, partner_a, make_client, selected
):
    pending = make_client(partner_a, pending_since=timezone.now(), pending_reason="Revisar")
    response = admin_client_.post(
        CHANGELIST,
        {"action": "approve", "index": "0", "_selected_action": [str(pending.pk), selected]},
        follow=True,
    )
    assert response.status_code == 200
    assert "Seleção inválida: nada foi alterado." in response.text
    pending.refresh_from_db()
    assert pending.status == Status.PENDENTE


def test_a_document_search_keeps_the_list_filters(admin_client_, partner_a, make_client):
    today = timezone.localdate()
    make_client(
        partner_a, name="Ativa", cpf_cnpj="11222333000181", expires_on=today + dt.timedelta(days=10)
    )
    response = admin_client_.get(CHANGELIST, {"q": "11.222.333/0001-81", "status": Status.INATIVO})
    assert list(response.context["cl"].result_list) == []


def test_a_staff_edit_is_recorded_in_the_history(admin_client_, staff_user, partner_a, make_client):
    client = make_client(
        partner_a,
        name="Loja",
        cpf_cnpj="52998224725",
        product="link",
        expires_on=dt.date(2027, 1, 31),
    )
    response = _change(
        admin_client_, client, quantity=4, name="Loja Renomeada", expires_on="28/02/2027"
    )
    assert response.status_code == 302
    event = ClientEvent.objects.get(client=client)
    assert (event.action, event.actor) == ("admin", staff_user)
    assert event.before["name"] == "Loja" and event.after["name"] == "Loja Renomeada"
    assert event.after["expires_on"] == "2027-02-28"
    assert event.before["licenses"] != event.after["licenses"]


def test_a_staff_save_without_changes_writes_no_event(admin_client_, partner_a, make_client):
    client = make_client(
        partner_a,
        name="Loja",
        cpf_cnpj="52998224725",
        product="link",
        expires_on=dt.date(2027, 1, 31),
        registered_on=dt.date(2026, 11, 1),
    )
    response = _change(
        admin_client_,
        client,
        name="Loja",
        expires_on="31/01/2027",
        email=client.email,
        city=client.city,
    )
    assert response.status_code == 302
    assert not ClientEvent.objects.exists()


def test_a_client_cannot_be_moved_to_another_partner(
    admin_client_, partner_a, partner_b, make_client
):
    client = make_client(partner_a, name="Loja", cpf_cnpj="52998224725", product="link")
    _change(admin_client_, client, partner=partner_b)
    client.refresh_from_db()
    assert client.partner == partner_a


def test_registration_codes_carry_their_clients_partner(partner_a, make_client):
    from clients.models import RegistrationCode

    code = RegistrationCode.objects.create(client=make_client(partner_a, product="link"))
    assert code.partner == partner_a
