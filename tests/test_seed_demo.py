import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from clients.domain.status import Status, status_counts
from clients.models import Certificate, Client, RegistrationCode
from clients.screen.tables import PER_PAGE
from partners.models import Partner, PartnerUser


def test_it_creates_both_partners_with_clients_in_every_status(db, settings):
    settings.DEBUG = True
    call_command("seed_demo", stdout=io.StringIO())
    for code in ("alfa", "beta"):
        partner = Partner.objects.get(code=code)
        clients = Client.objects.filter(partner=partner)
        # More than one page of the list without a filter (Oculto clients are not listed).
        assert clients.exclude(hidden_at__isnull=False).count() > PER_PAGE
        counts = status_counts(clients)
        # Expirado needs a day of this month before today: none exists on the 1st.
        wanted = set(Status) - ({Status.EXPIRED} if _is_first_of_month() else set())
        assert all(counts[status] > 0 for status in wanted), counts
        assert set(clients.values_list("product", flat=True)) == {"link", "navi"}
        assert clients.values("uf").distinct().count() >= 5
        codes = RegistrationCode.objects.filter(client__partner=partner)
        assert codes.filter(consumed_at__isnull=True).exists()
        assert codes.filter(consumed_at__isnull=False).exists()
        for client in clients:
            client.full_clean()
        # History on several clients, written by the partner's user through the services.
        with_events = clients.filter(events__actor__username=code).distinct().count()
        assert with_events >= 5
        # Navi clients with a demo A1 certificate: valid for long, expiring soon, and expired
        # (Início's "Certificados vencendo" card).
        certificates = Certificate.objects.filter(client__partner=partner)
        assert {c.client.product for c in certificates} == {"navi"}
        assert all(c.cnpj == c.client.cpf_cnpj for c in certificates)
        valid = [c for c in certificates if not c.is_expired]
        assert any(c.expires_soon for c in valid) and any(not c.expires_soon for c in valid)
        assert any(c.is_expired for c in certificates)
    for username, password, partner, role in [
        ("alfa", "alfa-demo-2026", "alfa", "administrador"),
        ("alfa-operador", "alfa-operador-demo-2026", "alfa", "operador"),
        ("alfa-consulta", "alfa-consulta-demo-2026", "alfa", "consulta"),
        ("beta", "beta-demo-2026", "beta", "administrador"),
        ("admin", "admin-demo-2026", None, None),
    ]:
        user = get_user_model().objects.get(username=username)
        assert user.check_password(password)
        assert bool(user.email) == (partner is not None)
        linked = PartnerUser.objects.filter(user=user).values_list("partner__code", "role")
        assert (linked.first() or (None, None)) == (partner, role)
    assert get_user_model().objects.get(username="admin").is_staff


def _is_first_of_month():
    from django.utils import timezone

    return timezone.localdate().day == 1


def test_running_it_twice_changes_nothing(db, settings):
    settings.DEBUG = True
    call_command("seed_demo", stdout=io.StringIO())
    before = list(Client.objects.order_by("pk").values())
    call_command("seed_demo", stdout=io.StringIO())
    assert list(Client.objects.order_by("pk").values()) == before


def test_it_refuses_with_debug_off_unless_forced(db, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG desligado"):
        call_command("seed_demo")
    assert not Client.objects.exists()
    call_command("seed_demo", "--force", stdout=io.StringIO())
    assert Client.objects.exists()
