import datetime
import json
import os

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection

from clients.domain.documents import cnpj_from_base, cpf_from_base
from clients.models import Client, License, Module, Product
from partners.models import Partner, PartnerUser

# pytest-django's live_server runs the app in a thread; Playwright's sync API runs an
# event loop in the test thread, which Django would otherwise refuse to touch the DB from.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

# Tests don't run collectstatic: serve static files from the finders, without a manifest.
settings.STORAGES = {
    **settings.STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

PASSWORD = "senha-de-teste-2026"


def pytest_collection_modifyitems(config, items):
    if connection.vendor != "postgresql":
        skip = pytest.mark.skip(reason="precisa de PostgreSQL (defina DATABASE_URL)")
        for item in items:
            if "postgres" in item.keywords:
                item.add_marker(skip)


@pytest.fixture
def partner_a(db):
    return Partner.objects.create(code="alfa", name="Revenda Alfa")


@pytest.fixture
def partner_b(db):
    return Partner.objects.create(code="beta", name="Revenda Beta")


def _partner_user(partner, username):
    user = get_user_model().objects.create_user(username=username, password=PASSWORD)
    PartnerUser.objects.create(user=user, partner=partner)
    return user


@pytest.fixture
def partner_a_user(partner_a):
    return _partner_user(partner_a, "ana")


@pytest.fixture
def partner_b_user(partner_b):
    return _partner_user(partner_b, "bruno")


@pytest.fixture
def staff_user(db):
    return get_user_model().objects.create_superuser(username="staff", password=PASSWORD)


@pytest.fixture
def client_a(client, partner_a_user):
    """Django's test client, signed in as partner A's user."""
    client.force_login(partner_a_user)
    return client


def staff_device(user):
    """The staff user's authenticator app (made, with two-factor sign-in on, if missing)."""
    import secrets

    from accounts.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice(user=user, name="Aplicativo autenticador", confirmed=True)
        device.bin_key = secrets.token_bytes(20)
        device.save()
    return device


def sign_in_staff(http, user):
    """Signs the vendor's staff user in as the admin requires outside DEBUG: with two-factor
    sign-in on, and the session verified by a code (accounts.admin_site)."""
    from django_otp import DEVICE_ID_SESSION_KEY

    device = staff_device(user)
    http.force_login(user)
    session = http.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return http


@pytest.fixture
def admin_client_(client, staff_user):
    return sign_in_staff(client, staff_user)


_sequence = iter(range(10_000_000, 99_999_999))


@pytest.fixture
def make_client(db):
    """Create a Client with sensible defaults; any field may be overridden."""

    def make(partner, **fields):
        number = next(_sequence)
        fields.setdefault("name", f"Cliente {number}")
        fields.setdefault("cpf_cnpj", cnpj_from_base(f"{number:08d}0001"))
        fields.setdefault("uf", "SP")
        fields.setdefault("city", "São Paulo")
        fields.setdefault("product", Product.NAVI)
        fields.setdefault("expires_on", datetime.date.today() + datetime.timedelta(days=30))
        licenses = fields.pop("licenses", 1)
        created = Client.objects.create(partner=partner, **fields)
        License.objects.create(client=created, module=Module.MAIN, quantity=licenses)
        return created

    return make


@pytest.fixture
def valid_cpf():
    return cpf_from_base("529982247")  # 529.982.247-25


# Browser tests: Debian's Chromium, driven by Playwright.
@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": "/usr/bin/chromium",
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-dev-shm-usage",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    """A Brazilian person's browser: pt-BR (dates as dd/mm/aaaa) in São Paulo."""
    return {**browser_context_args, "locale": "pt-BR", "timezone_id": "America/Sao_Paulo"}


@pytest.fixture
def screenshot_dir():
    path = os.path.join(os.path.dirname(__file__), os.pardir, "test-artifacts")
    os.makedirs(path, exist_ok=True)
    return path


# Client actions (issue 4): clients in a given status, on a fixed day.
# The middle of a month, so that a client can be Expirado (due this month, before today).
ACTION_DAY = datetime.date(2026, 3, 18)


def facts_for(status, today):
    """Client fields that put a client in `status` on `today` (clients.domain.status.facts_for):
    Expirado since yesterday, the others 20 days from today or before this month."""
    from clients.domain.status import Status, facts_for

    return facts_for(status, today, days=1 if status == Status.EXPIRED else 20)


@pytest.fixture
def action_day():
    """The clock at ACTION_DAY, 10:00 in São Paulo (and ticking)."""
    import zoneinfo

    import time_machine

    moment = datetime.datetime.combine(
        ACTION_DAY, datetime.time(10), tzinfo=zoneinfo.ZoneInfo("America/Sao_Paulo")
    )
    with time_machine.travel(moment, tick=True):
        yield ACTION_DAY


@pytest.fixture
def make_client_in(make_client):
    """make_client(partner, …) in a given status today: make_client_in(partner, "suspenso")."""
    from django.utils import timezone

    def make(partner, status, **fields):
        return make_client(partner, **{**facts_for(status, timezone.localdate()), **fields})

    return make


@pytest.fixture(autouse=True)
def _tasks_run_in_process(settings):
    """Tests run a job's task in the process that enqueues it (Django's ImmediateBackend);
    tests/test_jobs_worker.py runs them in a real `db_worker` on PostgreSQL instead."""
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def run_jobs(django_capture_on_commit_callbacks):
    """`with run_jobs(): client.post(...)`: the jobs submitted inside are enqueued — and so,
    in tests, run — when the block ends, as they would when the request's transaction commits
    (a test's own transaction never commits)."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    """Users are created in almost every test: the production hasher (Argon2) costs ~0.25 s
    of CPU per user here."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


# The licensing API (licenses.api): tests sign with a key of their own (DEBUG is off).
@pytest.fixture
def signing_key(settings):
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from licenses.signing import private_key_pem

    key = Ed25519PrivateKey.generate()
    settings.LICENSE_SIGNING_KEY = private_key_pem(key)
    return key


@pytest.fixture
def api(db, signing_key):
    """Calls the API as the customers' software does: JSON bodies, no session, no CSRF token."""
    from django.test import Client as HttpClient

    http = HttpClient(enforce_csrf_checks=True)

    class Api:
        def post(self, name, data, **extra):
            body = data if isinstance(data, str | bytes) else json.dumps(data)
            return http.post(f"/api/v1/{name}", body, content_type="application/json", **extra)

        def get(self, name, **extra):
            return http.get(f"/api/v1/{name}", **extra)

        request = http

    return Api()


@pytest.fixture
def make_link_client(make_client):
    """A Link client with an unconsumed registration code: returns (client, code)."""
    from clients.models import RegistrationCode

    def make(partner, **fields):
        created = make_client(partner, product=Product.LINK, **fields)
        return created, RegistrationCode.objects.create(client=created).code

    return make


@pytest.fixture(autouse=True)
def _fresh_shared_cache(settings):
    """With REDIS_URL set the cache lives outside the test database's transactions: start
    every test with it empty, as the database cache is."""
    if "redis" in settings.CACHES["default"]["BACKEND"].lower():
        from django.core.cache import cache

        cache.clear()


# The Clientes screen: a fixed "today" and one client of partner A in every status.
TODAY = datetime.date(2026, 5, 15)


@pytest.fixture
def today():
    """Today is 15 May 2026 in São Paulo: mid-month, so Expirado clients can exist."""
    from zoneinfo import ZoneInfo

    import time_machine

    noon = datetime.datetime(2026, 5, 15, 12, 0, tzinfo=ZoneInfo("America/Sao_Paulo"))
    with time_machine.travel(noon, tick=False):
        yield TODAY


@pytest.fixture
def every_status(partner_a, make_client, today):
    """{status: client} — one client of partner A in each status, named after it."""
    from django.utils import timezone

    from clients.domain.status import Status, facts_for

    now = timezone.now()
    # Ativo etc. until 15 June, Inativo and Oculto due 31 March, Expirado due 10 May.
    order = ["ativo", "suspenso", "expirado", "inativo", "pendente", "oculto"]
    facts = {Status(status): facts_for(status, today, now, days=31) for status in order}
    facts[Status.EXPIRED] = facts_for(Status.EXPIRED, today, now, days=5)
    return {
        status: make_client(partner_a, name=f"Cliente {status.label}", **fields)
        for status, fields in facts.items()
    }


# Fuzz tests (tests/fuzz.py, tests/test_fuzz_*.py) and the other property tests: in CI
# (CI set) hypothesis runs derandomized, so a failure there reproduces on the next run;
# elsewhere every run tries new examples. HYPOTHESIS_PROFILE chooses a profile explicitly.
from hypothesis import settings as hypothesis_settings  # noqa: E402

hypothesis_settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
hypothesis_settings.register_profile("dev", print_blob=True)
hypothesis_settings.load_profile(
    os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev")
)


@pytest.fixture
def staff_http(staff_user):
    """A second test client, signed in as staff, for tests that also use `client_a`."""
    from django.test import Client as HttpClient

    return sign_in_staff(HttpClient(), staff_user)


# Partner teams (issue 12): members with a role (e-mails: pytest-django's `mailoutbox`).
@pytest.fixture
def make_member(db):
    """make_member(partner, "otto", role=Role.OPERATOR, email=…): a user of the partner."""
    from partners.models import Role

    def make(partner, username, role=Role.ADMIN, **fields):
        fields.setdefault("email", f"{username}@{partner.code}.example.com")
        user = get_user_model().objects.create_user(username=username, password=PASSWORD, **fields)
        PartnerUser.objects.create(user=user, partner=partner, role=role)
        return user

    return make
