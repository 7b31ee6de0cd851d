"""One walk over every URL pattern: who may reach what.

Anonymous visitors are sent to sign in; a partner reaching another partner's client, member
or invitation gets a 404 (never a 403: no information leaks) and changes nothing; each role
opens exactly the pages the roles table allows, and a forbidden request (GET or POST) is a
403 that changes nothing; the admin is staff-only. The walk fails when a URL pattern is added
without being classified here.
"""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from clients.models import Client, ClientEvent
from jobs.models import Job, State
from partners.models import Invitation, PartnerUser, Role, TeamEvent
from partners.permissions import PAGE_PERMISSIONS, PARTNER_NAMESPACES
from tests.conftest import PASSWORD, sign_in_staff

# URLs anybody may open.
PUBLIC = {
    "login",
    "login-code",
    "logout",
    "healthz",
    "favicon",
    "password_reset",
    "password_reset_done",
    "password_reset_confirm",
    "password_reset_complete",
    "invitation",
    "email-confirm",
    "email-report",
}
# Pages of any signed-in user (a partner's member or the vendor's staff): anonymous → sign in.
SIGNED_IN_PAGES = {"confirm-identity"}
# Partner pages that take no object: anonymous → sign in.
PARTNER_PAGES = {
    "home",
    "clients:list",
    "clients:new",
    "clients:cities",
    "clients:registration-codes",
    "clients:renewals",
    "clients:bulk-preview",
    "clients:bulk-confirm",
    "clients:activity",
    "clients:credit",
    "clients:import",
    "clients:import-template",
    "accounts:account",
    "accounts:email",
    "accounts:password",
    "accounts:sessions-end",
    "accounts:two-factor",
    "accounts:two-factor-disable",
    "accounts:recovery-codes",
    "accounts:team",
    "accounts:invite",
    "accounts:team-two-factor",
}
# Partner pages about one client: anonymous → sign in; another partner → 404.
CLIENT_PAGES = {
    "clients:detail": {},
    "clients:history": {},
    "clients:confirm": {"action": "suspender"},
    "clients:editar": {},
    "clients:reativar": {},
    "clients:suspender": {},
    "clients:cancelar-suspensao": {},
    "clients:ocultar": {},
    "clients:reexibir": {},
    "clients:renovar": {},
    "clients:liberar-dispositivo": {},
    "clients:certificado": {},
}
# Partner pages about one team member, one invitation, or one of the user's jobs: the same.
MEMBER_PAGES = {"accounts:member-role", "accounts:member-deactivate"}
INVITATION_PAGES = {"accounts:invitation-resend", "accounts:invitation-cancel"}
JOB_PAGES = {"jobs:detail", "jobs:status", "jobs:retry", "jobs:file"}
# An import's preview and confirmation: a draft job of the user's.
IMPORT_PAGES = {"clients:import-preview", "clients:import-confirm"}
OBJECT_PAGES = set(CLIENT_PAGES) | MEMBER_PAGES | INVITATION_PAGES | JOB_PAGES | IMPORT_PAGES
# The customers' software: no session at all; a registration code or a key is the credential
# (tests/test_api_*.py), and an unknown one is a 404.
API = {"api:ativacao", "api:verificacao", "api:chave-publica", "api:openapi", "api:^(?P<path>.*)$"}

# The roles table, restated as the pages each role may open.
CONSULTA_MAY = {
    "home",
    "clients:list",
    "clients:cities",
    "clients:registration-codes",
    "clients:history",
    "clients:detail",
    "clients:renewals",
    "clients:bulk-preview",
    "clients:activity",
    "clients:credit",
    "accounts:account",
    "accounts:email",
    "accounts:password",
    "accounts:sessions-end",
    "accounts:two-factor",
    "accounts:two-factor-disable",
    "accounts:recovery-codes",
    # Retrying also needs the job's own permission (tests/test_jobs.py); this one's is "ver".
    *JOB_PAGES,
}
OPERADOR_MAY = CONSULTA_MAY | {
    "clients:bulk-confirm",
    "clients:import",
    "clients:import-template",
    *IMPORT_PAGES,
    "clients:new",
    "clients:confirm",
    "clients:editar",
    "clients:reativar",
    "clients:suspender",
    "clients:cancelar-suspensao",
    "clients:ocultar",
    "clients:reexibir",
    "clients:renovar",
    "clients:liberar-dispositivo",
    "clients:certificado",
}
MAY = {
    Role.VIEWER: CONSULTA_MAY,
    Role.OPERATOR: OPERADOR_MAY,
    Role.ADMIN: set(PAGE_PERMISSIONS),
}
ROLE_PAGES = sorted((PARTNER_PAGES - {"home"}) | OBJECT_PAGES)

# Everything a hostile POST might try to set, for every kind of page.
POST_DATA = {
    "name": "Invadido",
    "uf": "SP",
    "city": "Campinas",
    "email": "invasor@example.com",
    "role": "administrador",
    "required": "on",
    "first_name": "Invadido",
    "old_password": PASSWORD,
    "new_password1": "Nova-senha-de-teste-2026",
    "new_password2": "Nova-senha-de-teste-2026",
    "password": PASSWORD,
    "code": "123456",
}


def _all_url_names(patterns=None, namespace=None):
    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(pattern, URLResolver):
            inner = pattern.namespace or namespace
            yield from _all_url_names(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern):
            name = pattern.name or str(pattern.pattern)  # an unnamed pattern by its route
            yield f"{namespace}:{name}" if namespace else name


def test_every_url_pattern_is_classified():
    names = {name for name in _all_url_names() if not name.startswith("admin:")}
    known = PUBLIC | SIGNED_IN_PAGES | PARTNER_PAGES | OBJECT_PAGES | API
    assert names - known == set(), "URL sem regra de acesso neste teste"
    assert known - names == set(), "regra para uma URL que não existe mais"


def test_every_partner_page_has_a_permission():
    partner_pages = {n for n in _all_url_names() if n.split(":")[0] in PARTNER_NAMESPACES}
    assert partner_pages | {"home"} == set(PAGE_PERMISSIONS), "página de parceiro sem permissão"
    assert partner_pages <= set(PAGE_PERMISSIONS), "página de parceiro sem permissão de perfil"


@pytest.fixture
def targets(partner_a, partner_a_user, make_client):
    """Partner A's objects the pages act on: a Navi client, a member, an invitation, a failed
    job of partner A's user (one that "ver" may start again)."""
    colleague = get_user_model().objects.create_user(
        "otto", email="otto@alfa.example.com", password=PASSWORD
    )
    member = PartnerUser.objects.create(user=colleague, partner=partner_a, role=Role.OPERATOR)
    invitation = Invitation.objects.create(
        partner=partner_a,
        email="nova@alfa.example.com",
        role=Role.VIEWER,
        token_digest="0" * 64,
        expires_at=timezone.now() + datetime.timedelta(hours=72),
    )
    job = Job.objects.create(
        partner=partner_a,
        user=partner_a_user,
        kind="bulk",
        title="Exportação",
        task_path="clients.tasks.apply_bulk",
        key="0" * 64,
        permission="ver",
        state=State.FAILED,
    )
    draft = Job.objects.create(
        partner=partner_a,
        user=partner_a_user,
        kind="import",
        title="Importação",
        task_path="clients.tasks.import_file",
        key="1" * 64,
        state=State.DRAFT,
        outcome={"preview": {"errors": 1}},
    )
    return {
        "client": make_client(partner_a, product="navi"),
        "member": member,
        "invitation": invitation,
        "job": job,
        "draft": draft,
    }


def _url(name, targets):
    if name in CLIENT_PAGES:
        return reverse(name, kwargs={"pk": targets["client"].pk, **CLIENT_PAGES[name]})
    if name in MEMBER_PAGES:
        return reverse(name, kwargs={"pk": targets["member"].pk})
    if name in INVITATION_PAGES:
        return reverse(name, kwargs={"pk": targets["invitation"].pk})
    if name in JOB_PAGES:
        return reverse(name, kwargs={"pk": targets["job"].pk})
    if name in IMPORT_PAGES:
        return reverse(name, kwargs={"pk": targets["draft"].pk})
    return reverse(name)


def _post_data(name, targets):
    return {**POST_DATA, f"m{targets['member'].pk}-role": "administrador"}


def _everything():
    """What any page could change: clients, their history, the team and its history."""
    return (
        list(Client.objects.order_by("pk").values()),
        ClientEvent.objects.count(),
        list(PartnerUser.objects.order_by("pk").values()),
        list(get_user_model().objects.order_by("pk").values()),
        list(Invitation.objects.order_by("pk").values()),
        TeamEvent.objects.count(),
        list(Job.objects.order_by("pk").values()),
    )


@pytest.mark.parametrize("name", sorted(PARTNER_PAGES | SIGNED_IN_PAGES))
def test_anonymous_visitors_are_sent_to_sign_in(client, db, name):
    for method in (client.get, client.post):
        response = method(reverse(name), follow=True)
        assert response.redirect_chain, name
        assert response.redirect_chain[-1][0].startswith(reverse("login")), name


@pytest.mark.parametrize("name", sorted(OBJECT_PAGES))
def test_object_pages_send_anonymous_visitors_to_sign_in(client, targets, name):
    url = _url(name, targets)
    for method in (client.get, client.post):
        response = method(url)
        assert response.status_code == 302, name
        assert response.url.startswith(reverse("login")), name


@pytest.mark.parametrize("name", sorted(OBJECT_PAGES))
def test_another_partners_object_is_a_404_and_nothing_changes(
    client, targets, partner_b_user, name
):
    client.force_login(partner_b_user)  # an Administrador: every page is open to the role
    before = _everything()
    url = _url(name, targets)
    assert client.get(url).status_code == 404, name
    assert client.post(url, _post_data(name, targets)).status_code == 404, name
    assert _everything() == before


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("name", ROLE_PAGES)
def test_each_role_opens_only_what_it_may(client, targets, partner_a_user, role, name):
    PartnerUser.objects.filter(user=partner_a_user).update(role=role)
    client.force_login(partner_a_user)
    url = _url(name, targets)
    if name in MAY[role]:
        assert client.get(url).status_code != 403, (role, name)
        assert client.post(url, _post_data(name, targets)).status_code != 403, (role, name)
        return
    before = _everything()
    for response in (client.get(url), client.post(url, _post_data(name, targets))):
        assert response.status_code == 403, (role, name)
        assert f"O perfil {role.label} não permite" in response.content.decode()
    fetch = client.post(url, _post_data(name, targets), headers={"Accept": "application/json"})
    assert fetch.status_code == 403 and "não permite" in fetch.json()["erro"]
    assert _everything() == before


def test_the_roles_table_gives_each_role_its_pages():
    from partners.permissions import role_allows

    for role, pages in MAY.items():
        opened = {name for name, needs in PAGE_PERMISSIONS.items() if role_allows(role, needs)}
        assert opened == pages, role


def test_a_bulk_action_never_reaches_another_partners_clients(
    client, partner_a, partner_a_user, partner_b_user, make_client_in
):
    """Ids and "todos" are read through the partner's scope; a preview token is bound to
    the partner and user that made it."""
    target = make_client_in(partner_a, "expirado")
    before = Client.objects.filter(pk=target.pk).values().get()
    client.force_login(partner_b_user)
    for query in ({"id": [target.pk]}, {"todos": "1"}, {"todos": "1", "lista": "renovacao"}):
        response = client.get(reverse("clients:bulk-preview"), {"acao": "renovar", **query})
        assert response.context["preview"].lines == []
    client.force_login(partner_a_user)
    response = client.get(reverse("clients:bulk-preview"), {"acao": "renovar", "id": target.pk})
    token = response.context["preview"].token
    client.force_login(partner_b_user)
    client.post(reverse("clients:bulk-confirm"), {"token": token})
    assert Client.objects.filter(pk=target.pk).values().get() == before
    assert not ClientEvent.objects.exists()
    assert target.name not in client.get(reverse("home")).text
    assert target.name not in client.get(reverse("clients:renewals")).text


def test_atividade_never_shows_another_partners_event(
    client, partner_a, partner_a_user, partner_b_user, make_client
):
    """Partner B's Administrador, by every filter and the export, sees none of A's events
    (its client by id, name or CPF/CNPJ; A's member as the "membro")."""
    from clients.services import client_suspend

    target = make_client(partner_a, name="Segredo da Alfa")
    client_suspend(client=target, by=partner_a_user)
    client.force_login(partner_b_user)
    url = reverse("clients:activity")
    for query in (
        {},
        {"cliente": target.pk},
        {"cliente": "Segredo"},
        {"cliente": target.cpf_cnpj},
        {"membro": partner_a_user.pk},
        {"acao": "suspender"},
    ):
        page = client.get(url, query)
        assert page.status_code == 200
        assert "Segredo da Alfa" not in page.text, query
        assert list(page.context["table"].page.object_list) == [], query
        export = client.get(url, {**query, "_export": "csv"})
        assert "Segredo" not in b"".join(export.streaming_content).decode(), query


def test_the_admin_is_for_staff_only(client, partner_a_user, staff_user):
    index = reverse("admin:index")
    assert client.get(index).url.startswith(reverse("admin:login"))
    client.force_login(partner_a_user)
    assert client.get(index).url.startswith(reverse("admin:login"))
    assert client.get(reverse("admin:clients_client_changelist")).status_code == 302
    # The client's license page (an admin URL of our own) too, and nothing changes.
    licenses = reverse("admin:clients_client_licenses", args=[1])
    assert client.get(licenses).url.startswith(reverse("admin:login"))
    assert client.post(licenses, {"principal": 9, "loaded_version": 0}).status_code == 302
    sign_in_staff(client, staff_user)
    assert client.get(index).status_code == 200
