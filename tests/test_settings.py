"""Production settings: `check --deploy` is clean, and unsafe configurations refuse to start."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _manage(*args, **env):
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DEBUG", "SECRET_KEY", "HTTPS", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "x7#kq2!vz9@mp4$wn8^rt6&yb3*hc5(jd1)gf0-ls_ea+ui=oQ",
    "HTTPS": "true",
    "PROXY_COUNT": "1",
    "ALLOWED_HOSTS": "portal.example.com.br",
    "EMAIL_HOST": "smtp.example.com.br",
    "CERTIFICATE_ENCRYPTION_KEY": "cHJvZHVjdGlvbi1rZXktZm9yLWEtdGVzdC0wMDAwMDA=",
    "TWO_FACTOR_ENCRYPTION_KEY": "cHJvZHVjdGlvbi0yZmEta2V5LWZvci1hLXRlc3QtMDA=",
    "LICENSE_SIGNING_KEY": "cHJvZHVjdGlvbi1zaWduaW5nLWtleS0wMDAwMDAwMDA=",
}


def test_check_deploy_is_clean_in_production_mode():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_it_refuses_to_start_without_a_secret_key_when_debug_is_off():
    result = _manage("check", DEBUG="false")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def _database_settings(**env):
    code = (
        "import json; from django.conf import settings; d = settings.DATABASES['default']; "
        "print(json.dumps([d.get('DISABLE_SERVER_SIDE_CURSORS', False), "
        "d['OPTIONS'].get('prepare_threshold', 'default')]))"
    )
    result = _manage("shell", "-c", code, DEBUG="true", **env)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


def test_behind_a_transaction_pooler_nothing_outlives_a_transaction():
    url = "postgres://postgres@127.0.0.1:6432/portal"
    pooled = _database_settings(DATABASE_URL=url, DATABASE_POOLER="transaction")
    assert pooled == "[true, null]"  # no server-side cursors, no prepared statements
    # Straight to PostgreSQL the exports stream through a server-side cursor, and Django's
    # default (nothing prepared) stands.
    assert _database_settings(DATABASE_URL=url) == '[false, "default"]'


def test_an_unknown_pooler_mode_refuses_to_start():
    result = _manage(
        "check", DEBUG="true", DATABASE_URL="postgres://x@127.0.0.1/p", DATABASE_POOLER="session"
    )
    assert result.returncode != 0
    assert "DATABASE_POOLER" in result.stderr
