"""`check --deploy` warns about the production values the project introduces when they are
missing or unsafe (portal.checks); tests/test_settings.py shows a complete configuration
passes without a warning."""

import pytest
from django.core.checks import run_checks

PROXY_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SMTP = {"default": {"BACKEND": "django.core.mail.backends.smtp.EmailBackend", "OPTIONS": {}}}
CONSOLE = {"default": {"BACKEND": "portal.mail.ReadableConsoleBackend"}}
KEY_A = "cHJvZHVjdGlvbi1rZXktZm9yLWEtdGVzdC0wMDAwMDA="
KEY_B = "cHJvZHVjdGlvbi0yZmEta2V5LWZvci1hLXRlc3QtMDA="

pytestmark = pytest.mark.django_db  # Django's model checks ask the database about JSON


@pytest.fixture
def production(settings):
    """A production configuration that passes every check of the project."""
    settings.DEBUG = False
    settings.HTTPS = True
    settings.SECURE_PROXY_SSL_HEADER = PROXY_HEADER
    settings.PROXY_COUNT = 1
    settings.ALLOWED_HOSTS = ["portal.example.com.br"]
    settings.MAILERS = SMTP
    settings.CERTIFICATE_ENCRYPTION_KEY = KEY_A
    settings.TWO_FACTOR_ENCRYPTION_KEY = KEY_B
    return settings


def warnings(databases=None) -> set[str]:
    found = run_checks(include_deployment_checks=True, databases=databases)
    return {message.id for message in found if message.id.startswith("portal.")}


def test_a_complete_production_configuration_gets_no_warning(production, monkeypatch):
    monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
    assert warnings() == set()


def test_behind_a_proxy_without_proxy_count_it_warns(production):
    production.PROXY_COUNT = 0
    assert warnings() == {"portal.W001"}


def test_without_a_proxy_proxy_count_zero_is_right(production):
    production.PROXY_COUNT = 0
    production.SECURE_PROXY_SSL_HEADER = None
    production.HTTPS = False
    assert "portal.W001" not in warnings()


def test_without_https_it_warns(production):
    production.HTTPS = False
    assert "portal.W002" in warnings()


def test_with_only_local_hosts_allowed_it_warns(production):
    production.ALLOWED_HOSTS = ["localhost", "127.0.0.1", "[::1]"]
    assert warnings() == {"portal.W003"}


def test_with_e_mails_going_to_the_console_it_warns(production):
    production.MAILERS = CONSOLE
    assert warnings() == {"portal.W004"}


def test_one_key_for_certificates_and_two_factor_warns(production):
    production.TWO_FACTOR_ENCRYPTION_KEY = f"{KEY_B},{KEY_A}"  # shared by the rotation list
    assert warnings() == {"portal.W005"}


def test_more_processes_than_the_cores_can_run_warns(production, monkeypatch):
    monkeypatch.setenv("WEB_CONCURRENCY", "999")
    assert warnings() == {"portal.W006"}


@pytest.mark.postgres
def test_more_threads_than_postgresql_connections_warns(production, monkeypatch):
    monkeypatch.setenv("WEB_CONCURRENCY", "1")
    monkeypatch.setenv("GUNICORN_THREADS", "4")
    assert "portal.W007" not in warnings(databases=["default"])
    monkeypatch.setenv("GUNICORN_THREADS", "100000")
    assert "portal.W007" in warnings(databases=["default"])
