"""One walk over every URL pattern: who may reach what.

Anonymous visitors are sent to sign in; a partner reaching another partner's client gets a
404 (never a 403: no information leaks) and changes nothing; the admin is staff-only. The
walk fails when a URL pattern is added without being classified here.
"""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from clients.models import Client, ClientEvent

# URLs anybody may open.
PUBLIC = {"login", "logout", "healthz", "favicon"}
# Partner pages that take no client: anonymous → sign in.
PARTNER_PAGES = {
    "home",
    "clients:list",
    "clients:new",
    "clients:cities",
    "clients:registration-codes",
    "clients:renewals",
    "clients:bulk-preview",
    "clients:bulk-confirm",
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
    "clients:certificado": {},
}
# The customers' software: no session at all; a registration code or a key is the credential
# (tests/test_api_*.py), and an unknown one is a 404.
API = {"api:ativacao", "api:verificacao", "api:chave-publica", "api:openapi", "api:^(?P<path>.*)$"}


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
    known = PUBLIC | PARTNER_PAGES | set(CLIENT_PAGES) | API
    assert names - known == set(), "URL sem regra de acesso neste teste"
    assert known - names == set(), "regra para uma URL que não existe mais"


@pytest.mark.parametrize("name", sorted(PARTNER_PAGES))
def test_anonymous_visitors_are_sent_to_sign_in(client, db, name):
    for method in (client.get, client.post):
        response = method(reverse(name), follow=True)
        assert response.redirect_chain, name
        assert response.redirect_chain[-1][0].startswith(reverse("login")), name


@pytest.mark.parametrize("name", sorted(CLIENT_PAGES))
def test_client_pages_send_anonymous_visitors_to_sign_in(client, partner_a, make_client, name):
    target = make_client(partner_a)
    url = reverse(name, kwargs={"pk": target.pk, **CLIENT_PAGES[name]})
    for method in (client.get, client.post):
        response = method(url)
        assert response.status_code == 302, name
        assert response.url.startswith(reverse("login")), name


@pytest.mark.parametrize("name", sorted(CLIENT_PAGES))
def test_another_partners_client_is_a_404_and_nothing_changes(
    client, partner_a, partner_b_user, make_client, name
):
    target = make_client(partner_a, product="navi")
    before = Client.objects.filter(pk=target.pk).values().get()
    client.force_login(partner_b_user)
    url = reverse(name, kwargs={"pk": target.pk, **CLIENT_PAGES[name]})
    assert client.get(url).status_code == 404, name
    assert client.post(url, {"name": "Invadido", "uf": "SP", "city": "Campinas"}).status_code == 404
    assert Client.objects.filter(pk=target.pk).values().get() == before
    assert not ClientEvent.objects.exists()


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
    client.force_login(staff_user)
    assert client.get(index).status_code == 200
