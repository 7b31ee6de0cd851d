"""Slow clients against the production stack, and against gunicorn alone.

A benchmark, not a test (`make bench-slow-clients`, docs/deploy.md): on PostgreSQL, with
`--heads` connections sending a request head one line a second and `--bodies` sending a body
one byte a second held open, it makes ordinary requests one after another for `--seconds` —
the sign-in page, a check-in (POST /api/v1/verificacao) and a static file — first through
the stack as deploy/ ships it (nginx → gunicorn on a Unix socket), then straight to the same
gunicorn on loopback, as `make serve` alone would face clients. It prints, for each, how many
ordinary requests were answered, their latency, and how many waited over `--timeout` seconds.
"""

import http.client
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from clients.domain.documents import cnpj_from_base
from clients.models import Client, License, Module, Product
from deploy.stack import DEPLOY_DIR, ROOT, Stack
from licenses.signing import private_key_pem
from partners.models import Partner
from tests.servers import collected_static, database_url, free_port
from tests.slow_clients import SlowClients, summary

PARTNER_CODE = "bench-slow"
LICENSE_KEY = "BENCH-SLOW0-CLIEN-TES00-00001"
STYLESHEET = "/static/vendor/bootstrap/css/bootstrap.min.css"


class Command(BaseCommand):
    help = "Clientes lentos: o stack de produção (nginx → gunicorn) contra o gunicorn sozinho."

    def add_arguments(self, parser):
        parser.add_argument("--seconds", type=float, default=15)
        parser.add_argument("--heads", type=int, default=50)
        parser.add_argument("--bodies", type=int, default=20)
        parser.add_argument("--workers", type=int, default=1)
        parser.add_argument("--threads", type=int, default=4)
        parser.add_argument("--timeout", type=float, default=5)

    def handle(self, *args, **options):
        if connection.vendor != "postgresql":
            raise CommandError("bench_slow_clients precisa de PostgreSQL (DATABASE_URL).")
        self._seed()
        env = {
            **os.environ,
            "DATABASE_URL": database_url(connection.settings_dict),
            "LICENSE_SIGNING_KEY": private_key_pem(Ed25519PrivateKey.generate()),
            "WEB_CONCURRENCY": str(options["workers"]),
            "GUNICORN_THREADS": str(options["threads"]),
            "DJANGO_SETTINGS_MODULE": "portal.settings",
            "LOG_LEVEL": "WARNING",
        }
        self.stdout.write(
            f"{options['heads']} conexões mandando o cabeçalho e {options['bodies']} o corpo "
            f"devagar; gunicorn com {options['workers']} processo(s) × {options['threads']} "
            f"threads; pedidos comuns por {options['seconds']:.0f} s."
        )
        static_root = collected_static()
        with tempfile.TemporaryDirectory(prefix="bench-slow-") as directory:
            port = free_port()
            stack = Stack(
                Path(directory), listen=f"127.0.0.1:{port}", env=env, static_root=static_root
            )
            stack.start()
            try:
                self._measure("nginx → gunicorn (deploy/)", port, options)
            finally:
                stack.stop()

        port = free_port()
        gunicorn = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", str(DEPLOY_DIR / "gunicorn.conf.py")],
            cwd=ROOT,
            env={**env, "BIND": f"127.0.0.1:{port}", "STATIC_ROOT": str(static_root)},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            self._wait(port)
            self._measure("gunicorn sozinho (sem proxy)", port, options)
        finally:
            gunicorn.terminate()
            gunicorn.wait()

    def _seed(self):
        partner, _ = Partner.objects.get_or_create(code=PARTNER_CODE, defaults={"name": "Bench"})
        if not Client.objects.filter(license_key=LICENSE_KEY).exists():
            client = Client.objects.create(
                partner=partner,
                name="Cliente lento",
                cpf_cnpj=cnpj_from_base("987654320001"),
                uf="SP",
                city="São Paulo",
                product=Product.LINK,
                expires_on="2099-12-31",
                license_key=LICENSE_KEY,
                link_version="4",
            )
            License.objects.create(client=client, module=Module.MAIN, quantity=1)

    def _wait(self, port):
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                self._request(port, "GET", "/healthz", timeout=5)
                return
            except OSError:
                time.sleep(0.2)
        raise CommandError("o gunicorn não respondeu")

    @staticmethod
    def _request(port, method, path, body=None, timeout=5.0) -> int:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        try:
            headers = {"Content-Type": "application/json"} if body else {}
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            response.read()
            return response.status
        finally:
            connection.close()

    def _measure(self, label, port, options):
        check_in = json.dumps({"chave": LICENSE_KEY, "versao": "4"})
        ordinary = [
            ("GET", "/entrar/", None),
            ("POST", "/api/v1/verificacao", check_in),
            ("GET", STYLESHEET, None),
        ]
        latencies, failures, waited = [], 0, 0
        with SlowClients("127.0.0.1", port, heads=options["heads"], bodies=options["bodies"]):
            time.sleep(1)  # every slow connection has sent something
            deadline = time.monotonic() + options["seconds"]
            while time.monotonic() < deadline:
                for method, path, body in ordinary:
                    started = time.perf_counter()
                    try:
                        status = self._request(port, method, path, body, options["timeout"])
                    except OSError:
                        waited += 1
                        continue
                    if status != 200:
                        failures += 1
                    latencies.append(time.perf_counter() - started)
        self.stdout.write(
            f"{label}: {summary(latencies)}; {failures} com erro; "
            f"{waited} sem resposta em {options['timeout']:.0f} s"
        )
