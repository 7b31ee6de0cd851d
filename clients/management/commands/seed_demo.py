"""Demo data: two partners, their users, an admin and 60 clients each in every status (two
pages of the list), history on several clients (through the services), and Navi clients with
a demo A1 certificate (one valid for a year, one expiring within 30 days). Prices for every
module, and months of credit (clients.demo_credit): Revenda Alfa with comfortable credit and
clients with every module, Revenda Beta with less credit than its next renewal.

A seeding path, like the benchmarks' bulk seeding: it writes the rows of clients in a wanted
status directly (the facts from clients.domain.status.facts_for), which no service does — never
used on live data (refused with DEBUG off unless --force).

Every card of Início has something to show: clients due in the next days, Navi A1
certificates expired and expiring within 30/60/90 days (real self-signed PKCS#12 files, through
the certificate service), Link installations on older versions than the current one and
installations not seen for weeks.
"""

import datetime
import io
import random

from cryptography.hazmat.primitives.serialization import pkcs12
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from clients import services
from clients.certificates import client_certificate_upload, describe_certificate, encrypt
from clients.demo_certificates import make_pfx
from clients.demo_credit import comfortable_story, low_credit_story, seed_prices
from clients.domain.documents import cnpj_from_base, cpf_from_base
from clients.domain.status import Status, client_status, facts_for, month_start
from clients.models import (
    Certificate,
    Client,
    License,
    LinkVersionSetting,
    Module,
    Product,
    RegistrationCode,
    Renewal,
)
from partners.models import Partner, PartnerUser, Role

# The current Link version the demo starts with (staff change it in the admin).
CURRENT_LINK_VERSION = "4.10"
# Link versions reported by the demo installations, most of them current.
LINK_VERSIONS = ["4.10.2", "4.10.1", "4.10.0", "4.9.8", "4.10.2", "4.8.3"]
# Days from today to each demo certificate's last day, in turn (the first is expired).
CERTIFICATE_DAYS = [-6, 12, 27, 48, 83, 240]
DEMO_CERTIFICATE_PASSWORD = "demo-a1-2026"
CERTIFICATE_INFO_FIELDS = (
    "holder",
    "cnpj",
    "issuer",
    "serial_number",
    "fingerprint",
    "valid_from",
    "valid_until",
)

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

# (status wanted, how many) per partner: 60 clients covering every status, 56 of them listed
# without a filter (Oculto ones are not): more than one page (clients.screen.tables.PER_PAGE).
PLAN = [
    ("ativo", 36),
    ("suspenso", 5),
    ("expirado", 6),
    ("inativo", 6),
    ("pendente", 3),
    ("oculto", 4),
]


def _facts(status: str, today: datetime.date, rng: random.Random) -> dict:
    """clients.domain.status.facts_for, the vencimento a random number of days away."""
    if status == Status.EXPIRED:
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
            staff = self._admin()
            seed_prices(timezone.localdate())
            if not LinkVersionSetting.objects.exists():
                LinkVersionSetting.objects.create(
                    version=CURRENT_LINK_VERSION, note="Dados de demonstração"
                )
            for index, (code, name) in enumerate(PARTNERS):
                partner, _ = Partner.objects.get_or_create(code=code, defaults={"name": name})
                # The partner's users; the first (its Administrador) acts in the demo history.
                users = [self._user(partner, *user[1:]) for user in USERS if user[0] == code]
                created = self._clients(partner, users[0], seed=index)
                story = comfortable_story if index == 0 else low_credit_story
                story(partner, users[0], staff, timezone.localdate())
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
        return user

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
        return user

    def _clients(self, partner, user, seed):
        if partner.clients.exists():
            return 0
        rng = random.Random(seed)
        today = timezone.localdate()
        created = []
        number = 0
        for status, count in PLAN:
            for index in range(count):
                number += 1
                client = self._client(partner, status, number, seed, today, rng)
                if status == "ativo" and index < 3:  # due in the next days
                    client.expires_on = today + datetime.timedelta(days=index * 3)
                    client.save(update_fields=["expires_on"])
                created.append(client)
        self._history(created, user)
        self._certificates(partner, today)
        return len(created)

    def _history(self, clients, user):
        """Some of the partner's own actions, through the services (each writes its event).
        Renewals cost credit: clients.demo_credit renews, on the days they were due."""
        for client in clients[4:36:4]:  # Ativo ones (not those due in the next days)
            client = services.client_suspend(client=client, by=user)
            services.client_unsuspend(client=client, by=user)

    def _certificates(self, partner, today):
        """A1 certificates for the Navi clients that may have one (Ativo or Suspenso, CNPJ)."""
        navi = partner.clients.filter(product=Product.NAVI).order_by("pk")
        eligible = [
            client
            for client in navi
            if len(client.cpf_cnpj) == 14
            and client_status(client, today) in (Status.ACTIVE, Status.SUSPENDED)
        ]
        midday = datetime.datetime.combine(today, datetime.time(12), tzinfo=datetime.UTC)
        for client, days in zip(eligible, CERTIFICATE_DAYS, strict=False):
            valid_until = midday + datetime.timedelta(days=days)
            validity = {
                "holder": client.name.upper(),
                "valid_from": valid_until - datetime.timedelta(days=365),
                "valid_until": valid_until,
            }
            data = make_pfx(client.cpf_cnpj, password=DEMO_CERTIFICATE_PASSWORD, **validity)
            if days < 0:
                # Uploaded while it was valid, expired since: the service refuses an expired
                # certificate today, so it is stored as the upload then stored it.
                _, certificate, _ = pkcs12.load_key_and_certificates(
                    data, DEMO_CERTIFICATE_PASSWORD.encode()
                )
                info = describe_certificate(certificate)
                Certificate.objects.create(
                    client=client,
                    **{name: getattr(info, name) for name in CERTIFICATE_INFO_FIELDS},
                    file_name="certificado-demo.pfx",
                    encrypted_file=encrypt(data),
                    encrypted_password=encrypt(DEMO_CERTIFICATE_PASSWORD.encode()),
                    uploaded_at=info.valid_from,
                )
                continue
            file = io.BytesIO(data)
            file.name, file.size = "certificado-demo.pfx", len(data)
            client_certificate_upload(
                client=client, file=file, password=DEMO_CERTIFICATE_PASSWORD, by=None
            )

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
                client.link_version = LINK_VERSIONS[number % len(LINK_VERSIONS)]
                # One installation in four has not checked in for weeks.
                weeks = 3 + number % 4 if number % 4 == 1 else 0
                client.last_seen_at = timezone.now() - datetime.timedelta(weeks=weeks, hours=2)
                client.save(update_fields=["license_key", "link_version", "last_seen_at"])
        return client
