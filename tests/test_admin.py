"""The vendor's Django admin: status filter, document search, validation, approving."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from clients.domain.status import Status
from clients.models import Client, ClientEvent

CHANGELIST = reverse("admin:clients_client_changelist")


def test_the_client_list_filters_by_derived_status(admin_client_, partner_a, make_client):
    today = timezone.localdate()
    make_client(partner_a, name="Ativo Um", expires_on=today + dt.timedelta(days=10))
    make_client(partner_a, name="Velho Dois", expires_on=dt.date(2020, 1, 31))
    response = admin_client_.get(CHANGELIST, {"status": Status.INACTIVE})
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


def _change(admin_client_, client, **overrides):
    """POST the admin's change form of `client`: its plain data, as loaded now, plus `overrides`."""
    data = {
        "name": client.name,
        "email": client.email,
        "uf": client.uf,
        "city": client.city,
        "renewal": client.renewal,
        "notes": client.notes,
        "loaded_version": client.version,
    }
    for prefix in ("registration_codes", "events"):
        data.update({f"{prefix}-TOTAL_FORMS": 0, f"{prefix}-INITIAL_FORMS": 0})
    data.update(overrides)
    return admin_client_.post(reverse("admin:clients_client_change", args=[client.pk]), data)


def test_the_admin_rejects_bad_input_in_portuguese_and_saves_nothing(
    admin_client_, partner_a, make_client
):
    client = make_client(partner_a, name="Loja", cpf_cnpj="52998224725", product="link")
    cases = {
        "uf": ({"uf": "XX"}, "Faça uma escolha válida"),
        "city": ({"city": "Curitiba"}, "não é um município de SP"),
        "email": ({"email": "não é e-mail"}, "Informe um endereço de email válido"),
    }
    before = Client.objects.values().get()
    for case, (overrides, message) in cases.items():
        response = _change(admin_client_, client, **overrides)
        assert response.status_code == 200, case
        assert message in response.text, case
    assert Client.objects.values().get() == before


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
    assert pending.status == Status.ACTIVE and pending.pending_reason == ""
    event = ClientEvent.objects.get()
    assert (event.client, event.actor, event.action) == (pending, staff_user, "aprovar")
    assert event.before["status"] == "pendente" and event.after["status"] == "ativo"


def test_every_model_has_an_admin_page(admin_client_):
    for name in (
        "partners_partner",
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
        ("admin:partners_partner_add", "users-0-user"),  # an inline's autocomplete
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
    assert pending.status == Status.PENDING


def test_a_document_search_keeps_the_list_filters(admin_client_, partner_a, make_client):
    today = timezone.localdate()
    make_client(
        partner_a, name="Ativa", cpf_cnpj="11222333000181", expires_on=today + dt.timedelta(days=10)
    )
    response = admin_client_.get(CHANGELIST, {"q": "11.222.333/0001-81", "status": Status.INACTIVE})
    assert list(response.context["cl"].result_list) == []


def test_a_staff_edit_is_recorded_in_the_history(admin_client_, staff_user, partner_a, make_client):
    client = make_client(partner_a, name="Loja", cpf_cnpj="52998224725", product="link")
    response = _change(admin_client_, client, name="Loja Renomeada", notes="Cliente desde 2019.")
    assert response.status_code == 302
    event = ClientEvent.objects.get(client=client)
    assert (event.action, event.actor, event.note) == (
        "editar",
        staff_user,
        "Alterado na administração.",
    )
    assert event.before["name"] == "Loja" and event.after["name"] == "Loja Renomeada"
    assert event.after["notes"] == "Cliente desde 2019."
    client.refresh_from_db()
    assert (client.name, client.version) == ("Loja Renomeada", 1)


def test_a_staff_save_without_changes_writes_no_event(admin_client_, partner_a, make_client):
    client = make_client(partner_a, name="Loja", cpf_cnpj="52998224725", product="link")
    response = _change(admin_client_, client)
    assert response.status_code == 302
    assert not ClientEvent.objects.exists()
    client.refresh_from_db()
    assert client.version == 0


def test_the_change_form_cannot_set_a_status_fact_or_the_partner(
    admin_client_, partner_a, partner_b, make_client
):
    client = make_client(partner_a, name="Loja", cpf_cnpj="52998224725", product="link")
    before = Client.objects.values().get()
    _change(
        admin_client_,
        client,
        partner=partner_b.pk,
        expires_on="28/02/2030",
        suspended_at_0="01/01/2026",
        suspended_at_1="10:00",
        hidden_at_0="01/01/2026",
        hidden_at_1="10:00",
        cpf_cnpj="11222333000181",
        product="navi",
    )
    assert Client.objects.values().get() == before


def test_clients_cannot_be_added_or_deleted_in_the_admin(admin_client_, partner_a, make_client):
    client = make_client(partner_a)
    assert admin_client_.get(reverse("admin:clients_client_add")).status_code == 403
    delete = reverse("admin:clients_client_delete", args=[client.pk])
    assert admin_client_.post(delete, {"post": "yes"}).status_code == 403
    assert Client.objects.filter(pk=client.pk).exists()


@pytest.mark.parametrize("model", ["license", "registrationcode"])
def test_licenses_and_codes_are_read_only_in_the_admin(
    admin_client_, partner_a, make_link_client, model
):
    client, _ = make_link_client(partner_a)
    row = (client.licenses if model == "license" else client.registration_codes).get()
    assert admin_client_.get(reverse(f"admin:clients_{model}_add")).status_code == 403
    change = admin_client_.post(reverse(f"admin:clients_{model}_change", args=[row.pk]), {})
    assert change.status_code == 403 or "quantity" not in change.text
    delete = reverse(f"admin:clients_{model}_delete", args=[row.pk])
    assert admin_client_.post(delete, {"post": "yes"}).status_code == 403
    assert type(row).objects.filter(pk=row.pk).exists()


def test_registration_codes_carry_their_clients_partner(partner_a, make_client):
    from clients.models import RegistrationCode

    code = RegistrationCode.objects.create(client=make_client(partner_a, product="link"))
    assert code.partner == partner_a


# Issue 14: nothing is deleted, the status shows on the change page, pt-BR throughout.


def test_clients_cannot_be_deleted_in_the_admin(admin_client_, partner_a, make_client):
    shop = make_client(partner_a)
    change = admin_client_.get(reverse("admin:clients_client_change", args=[shop.pk]))
    assert reverse("admin:clients_client_delete", args=[shop.pk]) not in change.text
    changelist = admin_client_.get(reverse("admin:clients_client_changelist"))
    assert 'value="delete_selected"' not in changelist.text
    response = admin_client_.post(
        reverse("admin:clients_client_delete", args=[shop.pk]), {"post": "yes"}
    )
    assert response.status_code == 403
    assert Client.objects.filter(pk=shop.pk).exists()


def test_the_change_page_shows_the_status_with_its_reason(admin_client_, partner_a, make_client):
    shop = make_client(
        partner_a, pending_since=timezone.now(), pending_reason="CPF/CNPJ já cadastrado."
    )
    page = admin_client_.get(reverse("admin:clients_client_change", args=[shop.pk])).text
    assert "Pendente desde" in page and "CPF/CNPJ já cadastrado." in page


def test_the_admin_speaks_portuguese_with_months_in_lower_case(admin_client_, partner_a):
    from django.utils.formats import date_format
    from django.utils.translation import gettext

    assert gettext("- Select an option -") == "- Selecione uma opção -"
    assert date_format(dt.date(2026, 5, 13), "j \\d\\e F") == "13 de maio"
    index = admin_client_.get(reverse("admin:index")).text
    assert "Access attempts" not in index and "tentativas de acesso" in index.lower()
    catalog = admin_client_.get("/admin/jsi18n/").text
    assert "Hoje (%(date)s)" in catalog


def test_the_change_page_shows_the_cpf_cnpj_formatted(admin_client_, partner_a, make_client):
    shop = make_client(partner_a, cpf_cnpj="52998224725")
    page = admin_client_.get(reverse("admin:clients_client_change", args=[shop.pk])).text
    assert "529.982.247-25" in page


@pytest.mark.parametrize(
    "url",
    [
        "admin:clients_client_changelist",
        "admin:clients_clientevent_changelist",
        "admin:clients_license_changelist",
        "admin:clients_registrationcode_changelist",
    ],
)
def test_the_admin_finds_a_clients_name_as_the_portal_does(
    admin_client_, partner_a, make_link_client, url
):
    # Accents and case ignored (search_name, the portal's search), in every list of clients'
    # rows: the client itself, its events, licenses and registration codes.
    shop, _code = make_link_client(partner_a, name="Açougue São João")
    other, _ = make_link_client(partner_a, name="Padaria")
    ClientEvent.objects.create(client=shop, action="editar", actor_label="t", before={}, after={})
    ClientEvent.objects.create(client=other, action="editar", actor_label="t", before={}, after={})

    response = admin_client_.get(reverse(url), {"q": "acougue sao"})

    found = list(response.context["cl"].result_list)
    assert found
    assert {getattr(row, "client", row) for row in found} == {shop}
