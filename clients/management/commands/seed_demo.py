"""Demo data: two partners, their users, an admin and 60 clients each in every status (two
pages of the list), history on several clients (through the services), and Navi clients with
a demo A1 certificate (one valid for a year, one expiring within 30 days).

A seeding path, like the benchmarks' bulk seeding: it writes the rows of clients in a wanted
status directly (the facts from clients.status.facts_for), which no service does — never
used on live data (refused with DEBUG off unless --force).
"""

import datetime
import random

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from clients import services
from clients.certificates import client_certificate_upload
from clients.demo_certificates import make_pfx
from clients.documents import cnpj_from_base, cpf_from_base
from clients.models import (
    Client,
    License,
    Module,
    Partner,
    PartnerUser,
    Product,
    RegistrationCode,
    Renewal,
)
from clients.status import Status, facts_for, month_start

PARTNERS = [
    ("alfa", "Revenda Alfa", "alfa", "alfa-demo-2026"),
    ("beta", "Revenda Beta", "beta", "beta-demo-2026"),
]
ADMIN = ("admin", "admin-demo-2026")

CITIES = [
    ("SP", "São Paulo"),
    ("SP", "Campinas"),
    ("RJ", "Rio de Janeiro"),
    ("MG", "Belo Horizonte"),
    ("PR", "Curitiba"),
    ("RS", "Porto Alegre"),
    ("SC", "Florianópolis"),
    ("BA", "Salvador"),
    ("PE", "Recife"),
    ("CE", "Fortaleza"),
    ("GO", "Goiânia"),
    ("DF", "Brasília"),
]
KINDS = ["Mercado", "Padaria", "Farmácia", "Loja", "Restaurante", "Pet Shop", "Açougue", "Bar"]
NAMES = [
    "Bom Preço",
    "Central",
    "São Jorge",
    "Estrela",
    "Do Bairro",
    "Ipê",
    "Sol Nascente",
    "Boa Vista",
    "Real",
    "Progresso",
    "Aurora",
    "Nova Era",
    "Santa Luzia",
    "Primavera",
]

# (status wanted, how many) per partner: 60 clients covering every status, 56 of them listed
# without a filter (Oculto ones are not): more than one page (clients.tables.PER_PAGE).
PLAN = [
    ("ativo", 36),
    ("suspenso", 5),
    ("expirado", 6),
    ("inativo", 6),
    ("pendente", 3),
    ("oculto", 4),
]


def _facts(status: str, today: datetime.date, rng: random.Random) -> dict:
    """clients.status.facts_for, the vencimento a random number of days away."""
    if status == Status.EXPIRADO:
        days = rng.randint(1, max((today - month_start(today)).days, 1))
    else:
        days = rng.randint(1, 330)
    return facts_for(status, today, timezone.now(), days=days)


class Command(BaseCommand):
    help = "Cria (ou completa) os dados de demonstração: parceiros alfa e beta e seus clientes."

    def add_arguments(self, parser):
        parser.add_argument(
            "--force", action="store_true", help="Roda mesmo com DEBUG desligado (produção)."
        )

    def handle(self, *args, force=False, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "seed_demo cria usuários com senhas conhecidas: recusado com DEBUG desligado. "
                "Use --force se é isso mesmo que você quer."
            )
        with transaction.atomic():
            self._admin()
            for index, (code, name, username, password) in enumerate(PARTNERS):
                partner, _ = Partner.objects.get_or_create(code=code, defaults={"name": name})
                user = self._user(username, password, partner)
                created = self._clients(partner, user, seed=index)
                self.stdout.write(f"{name}: {created} cliente(s) criado(s).")
        self.stdout.write(self.style.SUCCESS("Dados de demonstração prontos."))

    def _admin(self):
        username, password = ADMIN
        user, created = get_user_model().objects.get_or_create(
            username=username, defaults={"is_staff": True, "is_superuser": True}
        )
        if created:
            user.set_password(password)
            user.save()

    def _user(self, username, password, partner):
        user, created = get_user_model().objects.get_or_create(username=username)
        if created:
            user.set_password(password)
            user.save()
        PartnerUser.objects.get_or_create(user=user, defaults={"partner": partner})
        return user

    def _clients(self, partner, user, seed):
        if partner.clients.exists():
            return 0
        rng = random.Random(seed)
        today = timezone.localdate()
        created = []
        number = 0
        for status, count in PLAN:
            for _ in range(count):
                number += 1
                created.append(self._client(partner, status, number, seed, today, rng))
        self._history(created, user)
        self._certificates(created, user)
        return len(created)

    def _history(self, clients, user):
        """Some of the partner's own actions, through the services (each writes its event)."""
        for client in clients[:36:4]:  # Ativo ones
            if client.renewal == Renewal.MANUAL:
                client = services.client_renew(client=client, by=user)
            client = services.client_suspend(client=client, by=user)
            services.client_unsuspend(client=client, by=user)

    def _certificates(self, clients, user):
        """A Navi client with a certificate valid for a year, another's expiring in 20 days."""
        navi = [c for c in clients[:36] if c.product == Product.NAVI and len(c.cpf_cnpj) == 14]
        now = timezone.now()
        for client, days in zip(navi, (365, 20), strict=False):
            password = f"demo-{client.pk}"
            data = make_pfx(
                client.cpf_cnpj,
                password=password,
                holder=client.name.upper(),
                valid_from=now - datetime.timedelta(days=1),
                valid_until=now + datetime.timedelta(days=days),
            )
            file = SimpleUploadedFile("certificado-demo.pfx", data)
            client_certificate_upload(client=client, file=file, password=password, by=user)

    def _client(self, partner, status, number, seed, today, rng):
        uf, city = CITIES[number % len(CITIES)]
        product = Product.LINK if number % 3 else Product.NAVI
        if number % 4 == 0:
            document = cpf_from_base(f"{seed + 1}{number:08d}")
        elif number % 7 == 0:
            document = cnpj_from_base(f"{seed + 1}{number:03d}AB{number:02d}0001")
        else:
            document = cnpj_from_base(f"{seed + 1}{number:07d}0001")
        client = Client.objects.create(
            partner=partner,
            name=f"{KINDS[number % len(KINDS)]} {NAMES[(number + seed) % len(NAMES)]} {number}",
            cpf_cnpj=document,
            email=f"contato{number}@{partner.code}.example.com.br",
            uf=uf,
            city=city,
            product=product,
            registered_on=today - datetime.timedelta(days=rng.randint(30, 900)),
            renewal=Renewal.BILLING if number % 5 == 0 else Renewal.MANUAL,
            **_facts(status, today, rng),
        )
        License.objects.create(client=client, module=Module.MAIN, quantity=rng.randint(1, 5))
        if number % 6 == 0:
            License.objects.create(client=client, module=Module.CLOUD, quantity=1)
        if product == Product.LINK:
            code = RegistrationCode.objects.create(client=client)
            if number % 2:  # half of the Link clients have activated
                code.consumed_at = timezone.now()
                code.machine = f"CAIXA-{number:02d}"
                code.save(update_fields=["consumed_at", "machine"])
                client.license_key = f"{partner.code.upper()}-{seed}{number:04d}-{code.code[:5]}"
                client.link_version = f"4.{number % 9}.{number % 4}"
                client.last_seen_at = timezone.now()
                client.save(update_fields=["license_key", "link_version", "last_seen_at"])
        return client
