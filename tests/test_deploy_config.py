"""The shipped production configuration (deploy/) agrees with the app: the proxy's body limit
is Django's, its own JSON errors are the API's, gunicorn listens on loopback unless told
otherwise, and every rendered nginx file is one nginx accepts (plain HTTP and TLS)."""

import datetime
import json
import re
import runpy
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.conf import settings

from clients.certificates import MAX_FILE_SIZE
from deploy.stack import DEPLOY_DIR, NGINX, ROOT, Stack, fill, render_site
from portal import responses

needs_nginx = pytest.mark.skipif(not Path(NGINX).exists(), reason="sem nginx")


def test_the_proxy_refuses_bodies_over_djangos_limit_and_no_smaller():
    site = (DEPLOY_DIR / "nginx" / "portal-site.conf.in").read_text()
    [limit] = re.findall(r"^client_max_body_size (\d+);", site, re.MULTILINE)
    assert int(limit) == settings.MAX_REQUEST_BODY_SIZE
    assert int(limit) > MAX_FILE_SIZE + 64 * 1024  # a certificate's upload, with its form


@pytest.mark.parametrize(
    "status,message",
    [
        (400, responses.API_BAD_REQUEST),
        (413, responses.API_TOO_LARGE),
        (503, responses.API_UNAVAILABLE),
    ],
)
def test_the_proxys_own_api_errors_are_the_apis(status, message):
    page = DEPLOY_DIR / "nginx" / "errors" / f"{status}.json"
    assert json.loads(page.read_text()) == {"erro": message}
    assert (page.with_suffix(".html")).exists()  # and a pt-BR page for everything else


def test_gunicorn_listens_on_loopback_unless_told_otherwise(monkeypatch):
    monkeypatch.delenv("BIND", raising=False)
    config = runpy.run_path(str(DEPLOY_DIR / "gunicorn.conf.py"))
    assert config["bind"] == ["127.0.0.1:8000"]
    serve = subprocess.run(
        ["make", "-n", "serve"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    assert "BIND=${BIND:-127.0.0.1:8000} .venv/bin/gunicorn -c deploy/gunicorn.conf.py" in serve


def test_a_placeholder_left_unfilled_is_an_error():
    with pytest.raises(ValueError, match="@STATIC_ROOT@"):
        fill("alias @STATIC_ROOT@/;", {})


def _nginx_accepts(tmp_path, site_file: Path):
    main = tmp_path / "nginx.conf"
    main.write_text(
        f"pid {tmp_path}/nginx.pid;\nevents {{}}\n"
        f"http {{\n  include /etc/nginx/mime.types;\n  include {site_file};\n}}\n"
    )
    tested = subprocess.run(
        [NGINX, "-t", "-q", "-p", str(tmp_path), "-c", str(main), "-e", str(tmp_path / "e.log")],
        capture_output=True,
        text=True,
    )
    assert tested.returncode == 0, tested.stderr


@needs_nginx
def test_the_local_stacks_configuration_is_valid(tmp_path):
    stack = Stack(tmp_path, listen="127.0.0.1:8080", env={}, static_root=tmp_path / "static")
    main = stack.render()
    tested = subprocess.run(
        [NGINX, "-t", "-q", "-p", str(stack.run), "-c", str(main), "-e", str(tmp_path / "e.log")],
        capture_output=True,
        text=True,
    )
    assert tested.returncode == 0, tested.stderr


@needs_nginx
def test_a_servers_tls_configuration_is_valid(tmp_path):
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "portal.example.com.br")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    (tmp_path / "portal.crt").write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "portal.key").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    # Unprivileged ports: `nginx -t` binds nothing, but a non-root run could not open 443.
    server = render_site(
        tmp_path / "site",
        listen="8443",
        http_listen="8081",
        server_name="portal.example.com.br",
        upstream="unix:/run/portal/gunicorn.sock",
        static_root=tmp_path / "static",
        access_log=str(tmp_path / "access.log"),
        tls_certificate=str(tmp_path / "portal.crt"),
        tls_certificate_key=str(tmp_path / "portal.key"),
    )
    assert server.name == "portal-tls.conf"
    assert "ssl_certificate " in server.read_text()
    _nginx_accepts(tmp_path, server)


@needs_nginx
def test_the_render_command_writes_a_servers_plain_configuration(tmp_path):
    out = tmp_path / "site"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "deploy.stack",
            "render",
            "--out",
            str(out),
            "--server-name",
            "portal.example.com.br",
            "--listen",
            "8081",
            "--static-root",
            str(tmp_path / "static"),
            "--access-log",
            str(tmp_path / "access.log"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    _nginx_accepts(tmp_path, out / "portal.conf")


@pytest.mark.parametrize("page", sorted((DEPLOY_DIR / "nginx" / "errors").glob("*.html")))
def test_the_proxys_pages_use_static_files_that_exist(page):
    # nginx serves them from STATIC_ROOT with or without the app: collectstatic keeps the
    # unhashed names too.
    linked = re.findall(r'href="/static/([^"]+)"', page.read_text())
    assert linked
    for name in linked:
        assert (ROOT / "static" / name).is_file(), name


def test_the_import_page_alone_takes_a_spreadsheet_of_the_import_limit(settings):
    from portal.uploads import FORM_OVERHEAD

    site = (ROOT / "deploy" / "nginx" / "portal-site.conf.in").read_text()
    block = re.search(r"location = /clientes/importar/ \{(.*?)\}", site, re.DOTALL)
    assert block, "the import page needs its own body cap in the proxy"
    [limit] = re.findall(r"client_max_body_size (\d+);", block.group(1))
    assert int(limit) == settings.IMPORT_MAX_BYTES + FORM_OVERHEAD
