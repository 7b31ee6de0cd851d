import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from clients.domain.status import Status, status_counts
from clients.models import Certificate, Client, CreditEntry, Price, RegistrationCode
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
    money = (CreditEntry.objects.count(), Price.objects.count())
    call_command("seed_demo", stdout=io.StringIO())
    assert list(Client.objects.order_by("pk").values()) == before
    assert (CreditEntry.objects.count(), Price.objects.count()) == money


def test_it_refuses_with_debug_off_unless_forced(db, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG desligado"):
        call_command("seed_demo")
    assert not Client.objects.exists()
    call_command("seed_demo", "--force", stdout=io.StringIO())
    assert Client.objects.exists()


def test_it_seeds_prices_and_months_of_credit_through_the_services(db, settings):
    from django.utils import timezone

    from clients.domain.modules import modules_for
    from clients.domain.money import PriceList, renewal_charge
    from clients.models import CreditEntry, EntryKind, Price, Product, Renewal
    from clients.services import renewed_until
    from clients.services.credit import balance, reconcile

    settings.DEBUG = True
    call_command("seed_demo", stdout=io.StringIO())
    today = timezone.localdate()
    # A price for every product and module, and one change since (a later validity).
    for product in Product:
        for module in modules_for(product):
            assert Price.objects.filter(product=product, module=module).exists()
    assert Price.objects.filter(product="link", module="principal").count() == 2
    assert reconcile() == []
    alfa, beta = Partner.objects.get(code="alfa"), Partner.objects.get(code="beta")
    entries = CreditEntry.objects.filter(partner=alfa)
    assert set(entries.values_list("kind", flat=True)) == set(EntryKind) - {"reativacao"}
    months = {(entry.at.year, entry.at.month) for entry in entries}
    assert len(months) >= 5
    # Read in time order, each entry's balance is the one before it plus its amount (a story
    # written out of order would show an extrato whose balances jump).
    running = 0
    for entry in entries.order_by("at", "id"):
        running += entry.amount
        assert entry.balance_after == running, entry
    # Every charge belongs to a client's event: the services wrote it, not the seed.
    charges = entries.filter(amount__lt=0).exclude(kind=EntryKind.REVERSAL)
    assert all(entry.event_id and entry.client_id for entry in charges)
    # Alfa can pay its clients' next renewals; Beta cannot pay its own.
    prices = PriceList(today)

    def next_renewal(client):
        return renewal_charge(client, renewed_until(client.expires_on), prices).amount

    alfa_story = Client.objects.filter(partner=alfa, name__contains="Completo")
    assert balance(alfa) > sum(next_renewal(client) for client in alfa_story)
    (short,) = Client.objects.filter(partner=beta, name="Padaria Crédito Curto")
    assert 0 < balance(beta) < next_renewal(short)
    # Clients with every module of their product, and both renewal methods.
    for client in alfa_story:
        assert {lic.module for lic in client.licenses.all()} == set(modules_for(client.product))
    for partner in (alfa, beta):
        methods = set(Client.objects.filter(partner=partner).values_list("renewal", flat=True))
        assert methods == set(Renewal)
