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
