"""Demo data: two partners, their users, an admin and ~40 clients each in every status.

A seeding path, like the benchmarks' bulk seeding: it writes the rows of clients in a wanted
status directly (the facts from clients.status.facts_for), which no service does — never
used on live data (refused with DEBUG off unless --force).
"""

import datetime
import random

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

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
    Role,
)
from clients.status import Status, facts_for, month_start

PARTNERS = [("alfa", "Revenda Alfa"), ("beta", "Revenda Beta")]
# (partner, user, password, role, first name): the Makefile's `run` prints them.
USERS = [
    ("alfa", "alfa", "alfa-demo-2026", Role.ADMIN, "Alice"),
    ("alfa", "alfa-operador", "alfa-operador-demo-2026", Role.OPERATOR, "Otávio"),
    ("alfa", "alfa-consulta", "alfa-consulta-demo-2026", Role.VIEWER, "Carla"),
    ("beta", "beta", "beta-demo-2026", Role.ADMIN, "Bruno"),
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

# (status wanted, how many) per partner: 40 clients covering every status.
PLAN = [
    ("ativo", 16),
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
            for index, (code, name) in enumerate(PARTNERS):
                partner, _ = Partner.objects.get_or_create(code=code, defaults={"name": name})
                for user in USERS:
                    if user[0] == code:
                        self._user(partner, *user[1:])
                created = self._clients(partner, seed=index)
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

    def _user(self, partner, username, password, role, first_name):
        user, created = get_user_model().objects.get_or_create(
            username=username,
            defaults={
                "first_name": first_name,
                "email": f"{username}@{partner.code}.example.com.br",
            },
        )
        if created:
            user.set_password(password)
            user.save()
        PartnerUser.objects.get_or_create(user=user, defaults={"partner": partner, "role": role})

    def _clients(self, partner, seed):
        if partner.clients.exists():
            return 0
        rng = random.Random(seed)
        today = timezone.localdate()
        created = 0
        number = 0
        for status, count in PLAN:
            for _ in range(count):
                number += 1
                created += 1
                self._client(partner, status, number, seed, today, rng)
        return created

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
