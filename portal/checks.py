"""`manage.py check --deploy`: the production values the project itself introduces, missing or
unsafe (Django's own checks cover DEBUG, SECRET_KEY, cookies, HSTS…; licenses.checks the
signing key). The checklist they follow is docs/deploy.md."""

import os

from django.conf import settings
from django.core import checks

LOCAL_HOSTS = {"localhost", "127.0.0.1", "[::1]", "::1"}


def _behind_proxy() -> bool:
    """HTTPS=true or BEHIND_PROXY=true: the app trusts a proxy's X-Forwarded-Proto, so a proxy
    stands in front of it."""
    return bool(getattr(settings, "SECURE_PROXY_SSL_HEADER", None))


@checks.register(checks.Tags.security, deploy=True)
def check_proxy_count(app_configs, **kwargs):
    if settings.PROXY_COUNT <= 0 and _behind_proxy():
        return [
            checks.Warning(
                "PROXY_COUNT é 0, mas o portal está atrás de um proxy (HTTPS/BEHIND_PROXY): todo "
                "cliente teria o endereço do proxy, e as tentativas erradas de uns (ativações, "
                "entradas) bloqueariam todos.",
                hint="Defina PROXY_COUNT=1 atrás do nginx de deploy/ (2 com um balanceador antes "
                "dele).",
                id="portal.W001",
            )
        ]
    return []


@checks.register(checks.Tags.security, deploy=True)
def check_https(app_configs, **kwargs):
    if not settings.DEBUG and not settings.HTTPS:
        return [
            checks.Warning(
                "HTTPS está desligado: cookies sem Secure, sem HSTS nem redirecionamento para "
                "https.",
                hint="Termine o TLS no nginx (deploy/nginx/portal-tls.conf) ou no balanceador e "
                "defina HTTPS=true.",
                id="portal.W002",
            )
        ]
    return []


@checks.register(checks.Tags.security, deploy=True)
def check_allowed_hosts(app_configs, **kwargs):
    if not settings.DEBUG and set(settings.ALLOWED_HOSTS) <= LOCAL_HOSTS:
        return [
            checks.Warning(
                "ALLOWED_HOSTS tem só endereços locais: o portal recusaria (400) o nome pelo "
                "qual é acessado.",
                hint="Defina ALLOWED_HOSTS com o nome do portal, p.ex. portal.example.com.br.",
                id="portal.W003",
            )
        ]
    return []


@checks.register(deploy=True)
def check_email(app_configs, **kwargs):
    backend = settings.MAILERS["default"]["BACKEND"]
    if not settings.DEBUG and "smtp" not in backend.lower():
        return [
            checks.Warning(
                "Os e-mails (nova senha, convites) vão para a saída padrão, não para as pessoas.",
                hint="Defina EMAIL_HOST (e EMAIL_HOST_USER, EMAIL_HOST_PASSWORD, EMAIL_USE_TLS).",
                id="portal.W004",
            )
        ]
    return []


@checks.register(checks.Tags.security, deploy=True)
def check_distinct_keys(app_configs, **kwargs):
    certificates = {key.strip() for key in settings.CERTIFICATE_ENCRYPTION_KEY.split(",")}
    two_factor = {key.strip() for key in settings.TWO_FACTOR_ENCRYPTION_KEY.split(",")}
    if certificates & two_factor:
        return [
            checks.Warning(
                "CERTIFICATE_ENCRYPTION_KEY e TWO_FACTOR_ENCRYPTION_KEY têm uma chave em comum: "
                "quem obtiver uma decifra os dois.",
                hint="Gere uma chave Fernet para cada uso (docs/deploy.md).",
                id="portal.W005",
            )
        ]
    return []


def _gunicorn_slots() -> tuple[int, int]:
    """(processes, threads) as deploy/gunicorn.conf.py reads them."""
    return int(os.environ.get("WEB_CONCURRENCY", 2)), int(os.environ.get("GUNICORN_THREADS", 4))


@checks.register(deploy=True)
def check_worker_count(app_configs, **kwargs):
    processes, _ = _gunicorn_slots()
    cores = os.cpu_count() or 1
    if processes > 2 * cores + 1:
        return [
            checks.Warning(
                f"WEB_CONCURRENCY={processes} processos para {cores} núcleos: mais processos "
                "que núcleos × 2 + 1 só disputam a CPU e a memória.",
                hint=f"Use até {2 * cores + 1} e aumente GUNICORN_THREADS se precisar.",
                id="portal.W006",
            )
        ]
    return []


@checks.register(checks.Tags.database, deploy=True)
def check_connections(app_configs, databases=None, **kwargs):
    """With `check --deploy --database default`: every gunicorn thread keeps a connection, so
    this instance's processes × threads must fit PostgreSQL's max_connections."""
    from django.db import connections

    if not databases or "default" not in databases:
        return []
    connection = connections["default"]
    if connection.vendor != "postgresql" or os.environ.get("DATABASE_POOLER"):
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT current_setting('max_connections')::int"
            " - current_setting('superuser_reserved_connections')::int"
        )
        available = cursor.fetchone()[0]
    processes, threads = _gunicorn_slots()
    if processes * threads > available:
        return [
            checks.Warning(
                f"WEB_CONCURRENCY × GUNICORN_THREADS = {processes * threads} conexões, mais que "
                f"as {available} que o PostgreSQL aceita.",
                hint="Menos processos ou threads, max_connections maior, ou o PgBouncer "
                "(DATABASE_POOLER=transaction).",
                id="portal.W007",
            )
        ]
    return []
