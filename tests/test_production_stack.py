"""The production stack as shipped (deploy/): Debian's nginx with the repository's
configuration in front of gunicorn on a Unix socket, DEBUG off, on the test's PostgreSQL
database. Slow clients cannot take it down, the proxy refuses oversized bodies, the portal and
its rate limits see the client's address, and with the app down the API still answers JSON.
"""

import http.client
import json
import os
import re
import time
import uuid
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.conf import settings
from django.db import connection

from deploy.stack import NGINX, Stack
from licenses.signing import private_key_pem
from portal.responses import API_TOO_LARGE, API_UNAVAILABLE
from tests.conftest import PASSWORD
from tests.servers import (
    Browser,
    collected_static,
    database_url,
    free_port,
    post_json,
    wait_until,
    with_production_password,
)
from tests.slow_clients import SlowClients, summary

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not Path(NGINX).exists(), reason="sem nginx (apt-get install nginx)"),
]

# What the stack's gunicorn allows before the API answers 429 (settings.API_ACTIVATION_*).
MAX_FAILURES = 3


@pytest.fixture(scope="module")
def stack(django_db_setup, django_db_blocker, tmp_path_factory):
    """The stack, started once for this module: one gunicorn process with 4 threads (the
    production default is 2 × 4), so that a handful of stuck requests would show at once."""
    with django_db_blocker.unblock():
        url = database_url(connection.settings_dict)
    env = {
        **{key: value for key, value in os.environ.items() if key != "PROXY_COUNT"},
        "DATABASE_URL": url,
        "LICENSE_SIGNING_KEY": private_key_pem(Ed25519PrivateKey.generate()),
        "API_ACTIVATION_MAX_FAILURES": str(MAX_FAILURES),
        "LOG_LEVEL": "INFO",
        "LOG_FORMAT": "json",
        "WEB_CONCURRENCY": "1",
        "GUNICORN_THREADS": "4",
    }
    stack = Stack(
        tmp_path_factory.mktemp("stack"),
        listen=f"127.0.0.1:{free_port()}",
        env=env,
        static_root=collected_static(),
    )
    stack.start()
    yield stack
    stack.stop()


def request(stack, method, path, *, source="127.0.0.1", headers=None, body=None):
    """(status, headers, body text) of one request to the stack's nginx from `source`."""
    host, port = stack.listen.split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10, source_address=(source, 0))
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.headers, response.read().decode()
    finally:
        connection.close()


def log_lines(stack) -> list[dict]:
    lines = (stack.run / "gunicorn.log").read_text().splitlines()
    return [json.loads(line) for line in lines if line.startswith("{")]


def test_while_slow_clients_hold_connections_pages_and_the_api_answer_within_a_second(
    stack, partner_a_user, make_link_client, partner_a
):
    _, code = make_link_client(partner_a, licenses=2)
    status, body = post_json(
        stack.url, "ativacao", {"codigo_registro": code, "maquina": "CAIXA-01", "versao": "4.2"}
    )
    assert status == 201, body
    check_in = {"chave": body["chave"], "versao": "4.2"}
    browser = Browser()
    with_production_password(partner_a_user, PASSWORD)
    browser.sign_in(stack.url, partner_a_user.username, PASSWORD)
    _, _, page = browser.request(stack.url + "/clientes/")
    stylesheet = re.search(r'href="(/static/vendor/bootstrap/css/[^"]+)"', page).group(1)

    def page():
        status, _, html = browser.request(stack.url + "/clientes/")
        return status == 200 and "Revenda Alfa" in html

    def api():
        status, answer = post_json(stack.url, "verificacao", check_in)
        return status == 200 and answer["status"] == "ativo"

    def static():
        return request(stack, "GET", stylesheet)[0] == 200

    host, port = stack.listen.split(":")
    latencies = []
    with SlowClients(host, int(port), heads=50, bodies=20) as slow:
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            for ordinary in (page, api, static):
                started = time.perf_counter()
                assert ordinary(), ordinary.__name__
                latencies.append(time.perf_counter() - started)
        # All 70 were held open the whole time, none answered or dropped.
        assert slow.still_open() == (50, 20)
        assert max(latencies) < 1.0, summary(latencies)

        # Once they stop sending, nginx lets go of them: the heads at client_header_timeout
        # (10 s for a whole head), the bodies after client_body_timeout (10 s) of silence.
        slow.stop_sending()
        deadline = time.monotonic() + 15
        while slow.still_open() != (0, 0) and time.monotonic() < deadline:
            time.sleep(0.5)
        assert slow.still_open() == (0, 0)
    print(f"\n70 clientes lentos: {summary(latencies)}")


def test_a_body_over_the_limit_is_refused_by_the_proxy_before_it_is_sent(stack):
    over = settings.MAX_REQUEST_BODY_SIZE + 1
    host, port = stack.listen.split(":")
    logged_before = len(log_lines(stack))
    for path, content_type in [
        ("/api/v1/verificacao", "application/json"),
        ("/clientes/1/certificado/", "text/html"),
    ]:
        connection = http.client.HTTPConnection(host, int(port), timeout=5)
        connection.putrequest("POST", path)
        connection.putheader("Content-Type", "application/json")
        connection.putheader("Content-Length", str(over))
        connection.endheaders()  # the head only: the answer comes without the body
        response = connection.getresponse()
        assert response.status == 413
        assert response.headers["Content-Type"].startswith(content_type)
        answer = response.read().decode()
        connection.close()
        if content_type == "application/json":
            assert json.loads(answer) == {"erro": API_TOO_LARGE}
        else:
            assert "grande demais" in answer
    # A body without a length, refused as it grows past the limit.
    status, headers, answer = request(
        stack,
        "POST",
        "/api/v1/ativacao",
        headers={"Content-Type": "application/json"},  # an iterable: sent chunked
        body=iter([b"x" * 65536] * (over // 65536 + 1)),
    )
    assert (status, json.loads(answer)) == (413, {"erro": API_TOO_LARGE})
    # Django never saw them.
    assert log_lines(stack)[logged_before:] == []


def test_the_portal_and_its_rate_limits_see_the_clients_address_not_the_proxys(stack):
    # The address nginx saw, not one the client wrote into X-Forwarded-For itself.
    mark = uuid.uuid4().hex
    forged = {"X-Forwarded-For": "198.51.100.7"}
    status, _, _ = request(
        stack, "GET", f"/entrar/?marca={mark}", source="127.0.0.2", headers=forged
    )
    assert status == 200
    [line] = [line for line in log_lines(stack) if line.get("query") == f"marca={mark}"]
    assert line["ip"] == "127.0.0.2"

    # Failed activations count per client address: one address is limited, forging
    # X-Forwarded-For does not escape the limit, another address is not affected.
    activation = json.dumps({"codigo_registro": "ZZZZZ", "maquina": "CAIXA", "versao": "1"})
    for attempt in range(MAX_FAILURES):
        forged = {"X-Forwarded-For": f"203.0.113.{attempt}", "Content-Type": "application/json"}
        answer = request(
            stack, "POST", "/api/v1/ativacao", source="127.0.0.3", headers=forged, body=activation
        )
        assert answer[0] == 404, answer
    forged = {"X-Forwarded-For": "203.0.113.99", "Content-Type": "application/json"}
    status, headers, _ = request(
        stack, "POST", "/api/v1/ativacao", source="127.0.0.3", headers=forged, body=activation
    )
    assert status == 429 and headers["Retry-After"]
    other = request(
        stack,
        "POST",
        "/api/v1/ativacao",
        source="127.0.0.4",
        headers={"Content-Type": "application/json"},
        body=activation,
    )
    assert other[0] == 404, other


def test_the_stacks_task_worker_runs_the_queued_jobs(
    stack, partner_a, make_member, make_client, settings
):
    import datetime

    from clients.notifications import enqueue_digests
    from jobs.models import Job, State

    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
    }
    member = make_member(partner_a, "otto")
    make_client(partner_a, expires_on=datetime.date.today() + datetime.timedelta(days=3))

    [job] = enqueue_digests()  # what the daily cron does: the worker sends

    wait_until(lambda: Job.objects.get(pk=job.pk).state == State.DONE, what="the digest job")
    assert member.email in (stack.run / "worker.log").read_text()  # the console e-mail


def test_with_the_app_down_the_api_answers_json_and_the_pages_html(stack):
    stylesheet = "/static/vendor/bootstrap/css/bootstrap.min.css"
    stack.stop_app()
    try:
        for method, path in [("POST", "/api/v1/verificacao"), ("GET", "/api/v1/chave-publica")]:
            status, headers, answer = request(stack, method, path, body="{}")
            assert status == 503
            assert headers["Content-Type"].startswith("application/json")
            assert headers["Retry-After"] == "30"
            assert json.loads(answer) == {"erro": API_UNAVAILABLE}
        status, headers, page = request(stack, "GET", "/entrar/")
        assert status == 503 and headers["Content-Type"].startswith("text/html")
        assert headers["Retry-After"] == "30"
        assert "Serviço temporariamente indisponível" in page
        # Static files come from nginx itself.
        assert request(stack, "GET", stylesheet)[0] == 200
    finally:
        stack.start_app()
