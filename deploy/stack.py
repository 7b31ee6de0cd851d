"""The portal's production stack on one machine: nginx in front of gunicorn, and the task
worker (`manage.py db_worker`), with production settings (DEBUG off) on PostgreSQL.

    python -m deploy.stack start  [--dir var/prod] [--listen 127.0.0.1:8080]   (make prod)
    python -m deploy.stack stop   [--dir var/prod]                             (make prod-stop)
    python -m deploy.stack status [--dir var/prod]
    python -m deploy.stack manage [--dir var/prod] -- createsuperuser       (manage.py, same env)
    python -m deploy.stack render --out DIR --server-name HOST ...   (a server's nginx files)

`start` keeps everything under its directory: portal.env (the settings, secrets generated
once), static/ (collectstatic), run/ (nginx's configuration, pid, logs and temporary files,
gunicorn's socket, pid and log). tests/test_production_stack.py runs the same Stack.
"""

import argparse
import base64
import getpass
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import suppress
from pathlib import Path

DEPLOY_DIR = Path(__file__).resolve().parent
ROOT = DEPLOY_DIR.parent
NGINX_TEMPLATES = DEPLOY_DIR / "nginx"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
MIME_TYPES = "/etc/nginx/mime.types"
DEFAULT_DIR = ROOT / "var" / "prod"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/portal_prod"
PLACEHOLDER = re.compile(r"@[A-Z_]+@")


def fill(template: str, values: dict) -> str:
    """The template with every @NAME@ replaced by values[NAME]; a name left unfilled is an
    error, never a configuration nginx would read literally."""
    text = PLACEHOLDER.sub(
        lambda match: str(values.get(match.group()[1:-1], match.group())), template
    )
    if left := PLACEHOLDER.findall(text):
        raise ValueError(f"sem valor para {', '.join(sorted(set(left)))}")
    return text


def render_site(
    out: Path,
    *,
    listen: str,
    server_name: str,
    upstream: str,
    static_root: Path,
    access_log: str,
    tls_certificate: str = "",
    tls_certificate_key: str = "",
    http_listen: str = "80",
) -> Path:
    """Write the portal's nginx files into `out`: portal-upstream.conf (http level),
    portal-site.conf (inside the server block), errors/, and the server itself: portal.conf
    (plain HTTP) or, given a certificate, portal-tls.conf. Returns the server's file."""
    out.mkdir(parents=True, exist_ok=True)
    values = {
        "CONF_DIR": out,
        "LISTEN": listen,
        "HTTP_LISTEN": http_listen,
        "SERVER_NAME": server_name,
        "UPSTREAM": upstream,
        "STATIC_ROOT": Path(static_root).resolve(),
        "ERRORS_DIR": out / "errors",
        "ACCESS_LOG": access_log,
        "TLS_CERTIFICATE": tls_certificate,
        "TLS_CERTIFICATE_KEY": tls_certificate_key,
    }
    server = "portal-tls.conf" if tls_certificate else "portal.conf"
    for name in ("portal-upstream.conf", "portal-site.conf", server):
        template = (NGINX_TEMPLATES / f"{name}.in").read_text()
        (out / name).write_text(fill(template, values))
    shutil.copytree(NGINX_TEMPLATES / "errors", out / "errors", dirs_exist_ok=True)
    return out / server


class Stack:
    """nginx on `listen` → gunicorn on a Unix socket, run from `directory`/run with the app
    environment `env` (complete: database, keys; see local_environment)."""

    def __init__(self, directory: Path, *, listen: str, env: dict, static_root: Path):
        self.directory = Path(directory).resolve()
        self.run = self.directory / "run"
        self.listen = listen
        self.env = env
        self.static_root = Path(static_root).resolve()
        self.socket = self.run / "gunicorn.sock"
        self.url = f"http://{listen}"
        self._children = {}  # pid → Popen, so that a stopped child is reaped, not a zombie

    def app_environment(self) -> dict:
        """Production settings behind this nginx: one proxy in front (PROXY_COUNT=1 unless
        the environment says more, e.g. a load balancer before nginx)."""
        env = {key: value for key, value in self.env.items() if key != "DJANGO_ALLOW_ASYNC_UNSAFE"}
        env.setdefault("PROXY_COUNT", "1")
        return {
            **env,
            "DEBUG": "false",
            "STATIC_ROOT": str(self.static_root),
            "BIND": f"unix:{self.socket}",
        }

    # nginx ------------------------------------------------------------------------------
    def render(self) -> Path:
        conf = self.run / "nginx"
        render_site(
            conf,
            listen=self.listen,
            server_name="_",
            upstream=f"unix:{self.socket}",
            static_root=self.static_root,
            access_log=str(self.run / "nginx-access.log"),
        )
        for temp in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
            (self.run / "nginx-temp" / temp).mkdir(parents=True, exist_ok=True)
        # Run as root (a container, CI), nginx's workers would switch to `nobody`, who may
        # not enter this directory nor connect to the socket: they stay the same user.
        user = f"user {getpass.getuser()};" if os.geteuid() == 0 else ""
        main = fill(
            (NGINX_TEMPLATES / "nginx.conf.in").read_text(),
            {
                "USER_DIRECTIVE": user,
                "WORKER_PROCESSES": "auto",
                "RUN_DIR": self.run,
                "MIME_TYPES": MIME_TYPES,
                "CONF_DIR": conf,
            },
        )
        (conf / "nginx.conf").write_text(main)
        return conf / "nginx.conf"

    def _nginx(self, *args) -> subprocess.CompletedProcess:
        command = [NGINX, "-p", str(self.run), "-c", str(self.run / "nginx" / "nginx.conf")]
        command += ["-e", str(self.run / "nginx-error.log"), *args]
        return subprocess.run(command, capture_output=True, text=True, check=False)

    def start_proxy(self):
        tested = self._nginx("-t", "-q")
        if tested.returncode != 0:
            raise StackError(f"configuração do nginx inválida:\n{tested.stderr}")
        started = self._nginx()  # nginx daemonizes itself and writes run/nginx.pid
        if started.returncode != 0:
            raise StackError(f"o nginx não subiu:\n{started.stderr}")

    def stop_proxy(self, timeout: float = 30):
        """SIGQUIT: nginx stops accepting, finishes the requests in flight, then exits."""
        self._stop(self.run / "nginx.pid", signal.SIGQUIT, timeout)

    # gunicorn and the task worker ------------------------------------------------------
    def _spawn(self, name: str, command: list[str]) -> subprocess.Popen:
        """`command` in its own session (Ctrl-C in the shell that ran `make prod` stops
        nothing), with the app's environment, its output in run/<name>.log, its pid in
        run/<name>.pid."""
        with open(self.run / f"{name}.log", "ab") as log:
            process = subprocess.Popen(
                command,
                cwd=ROOT,
                env=self.app_environment(),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        (self.run / f"{name}.pid").write_text(f"{process.pid}\n")
        self._children[process.pid] = process
        return process

    def start_app(self):
        config = str(DEPLOY_DIR / "gunicorn.conf.py")
        process = self._spawn("gunicorn", [sys.executable, "-m", "gunicorn", "-c", config])
        deadline = time.monotonic() + 60
        while not self._accepts(self.socket):
            if process.poll() is not None or time.monotonic() > deadline:
                raise StackError(f"o gunicorn não subiu; veja {self.run / 'gunicorn.log'}")
            time.sleep(0.1)

    def stop_app(self, timeout: float = 40):
        """SIGTERM: gunicorn's graceful shutdown (the requests in flight are finished)."""
        self._stop(self.run / "gunicorn.pid", signal.SIGTERM, timeout)

    def worker_command(self) -> list[str]:
        """The task worker (django-tasks-db), as `make worker` runs it: started after
        gunicorn, stopped (SIGTERM: it finishes the task it runs) after it, with the same
        environment."""
        interval = self.env.get("WORKER_INTERVAL", "1")
        return [sys.executable, "manage.py", "db_worker", "--no-reload", "--interval", interval]

    # The whole stack --------------------------------------------------------------------
    def start(self):
        if len(str(self.socket).encode()) > 100:  # sun_path holds 108 bytes with its NUL
            raise StackError(f"caminho longo demais para o socket: {self.socket}; use --dir")
        for pidfile in ("nginx.pid", "gunicorn.pid", "worker.pid"):
            if _alive(_read_pid(self.run / pidfile)):
                raise StackError(f"já está rodando ({self.run / pidfile}); pare-o antes")
        self.run.mkdir(parents=True, exist_ok=True)
        self.render()
        self.start_app()
        self._spawn("worker", self.worker_command())
        try:
            self.start_proxy()
            self.wait_until_serving()
        except BaseException:
            self.stop()
            raise

    def stop(self):
        """The proxy first (no new requests; those in flight finish), then the app."""
        self.stop_proxy()
        self.stop_app()
        self._stop(self.run / "worker.pid", signal.SIGTERM, timeout=60)

    def wait_until_serving(self, timeout: float = 60):
        """Until the app answers through nginx: /healthz's JSON, 200 or (database down) 503,
        not nginx's own page."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=5) as response:
                    json.loads(response.read())
                return
            except urllib.error.HTTPError as error:
                with suppress(ValueError):
                    json.loads(error.read())
                    return
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise StackError(f"{self.url}/healthz não respondeu; veja {self.run}")
            time.sleep(0.2)

    def status(self) -> dict:
        return {
            name: _read_pid(self.run / f"{name}.pid")
            for name in ("nginx", "gunicorn", "worker")
            if _alive(_read_pid(self.run / f"{name}.pid"))
        }

    def _stop(self, pidfile: Path, signum, timeout: float):
        """Signal the process of `pidfile` and wait until it is gone (SIGKILL after
        `timeout`)."""
        pid = _read_pid(pidfile)
        if _alive(pid):
            os.kill(pid, signum)
            child = self._children.pop(pid, None)
            deadline = time.monotonic() + timeout
            while (child.poll() is None) if child else _alive(pid):
                if time.monotonic() > deadline:
                    with suppress(ProcessLookupError):
                        os.kill(pid, signal.SIGKILL)
                time.sleep(0.05)
        with suppress(FileNotFoundError):
            pidfile.unlink()

    @staticmethod
    def _accepts(path: Path) -> bool:
        import socket

        with socket.socket(socket.AF_UNIX) as sock:
            try:
                sock.connect(str(path))
            except OSError:
                return False
        return True


class StackError(Exception):
    pass


def _read_pid(path: Path) -> int | None:
    try:
        return int(path.read_text().strip())
    except (OSError, ValueError):
        return None


def _alive(pid: int | None) -> bool:
    """Whether `pid` runs. A process that ended but was not reaped yet (a zombie: its parent,
    e.g. a container's init, has not waited for it) counts as ended."""
    if pid is None:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    with suppress(OSError, IndexError):
        stat = Path(f"/proc/{pid}/stat").read_text()
        return stat[stat.rindex(")") + 2] != "Z"
    return True


# `make prod` on this machine ---------------------------------------------------------------
def _fernet_key() -> str:
    return base64.urlsafe_b64encode(os.urandom(32)).decode()


def local_environment(directory: Path) -> dict:
    """The stack's settings: directory/portal.env (made once, mode 600, with new secrets and
    PostgreSQL on this machine), under the process's environment (which wins)."""
    env_file = directory / "portal.env"
    if not env_file.exists():
        directory.mkdir(parents=True, exist_ok=True)
        lines = [
            "# The portal's production settings for `make prod` on this machine, made once by",
            "# deploy/stack.py. Keep the keys: encrypted certificates and two-factor secrets",
            "# need them, and installations validate licenses with LICENSE_SIGNING_KEY's pair.",
            f"DATABASE_URL={DEFAULT_DATABASE_URL}",
            f"SECRET_KEY={secrets.token_urlsafe(50)}",
            f"CERTIFICATE_ENCRYPTION_KEY={_fernet_key()}",
            f"TWO_FACTOR_ENCRYPTION_KEY={_fernet_key()}",
            f"LICENSE_SIGNING_KEY={base64.b64encode(os.urandom(32)).decode()}",
            "PROXY_COUNT=1",
            "ALLOWED_HOSTS=localhost,127.0.0.1",
            "# REDIS_URL=redis://127.0.0.1:6379/0",
        ]
        env_file.touch(mode=0o600)
        env_file.write_text("\n".join(lines) + "\n")
    values = {}
    for line in env_file.read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#") and "=" in line:
            key, value = line.split("=", 1)
            values[key.strip()] = value.strip()
    return {**values, **os.environ}


def create_database(url: str):
    """CREATE DATABASE for a PostgreSQL DATABASE_URL whose database does not exist yet."""
    import dj_database_url
    import psycopg
    from psycopg import sql

    config = dj_database_url.parse(url)
    if "postgresql" not in config["ENGINE"]:
        return
    server = {
        "host": config.get("HOST") or None,
        "port": config.get("PORT") or None,
        "user": config.get("USER") or None,
        "password": config.get("PASSWORD") or None,
    }
    with psycopg.connect(dbname="postgres", autocommit=True, **server) as connection:
        found = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [config["NAME"]]
        ).fetchone()
        if not found:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(config["NAME"])))


def manage(stack: Stack, *args, check=True) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=stack.app_environment(),
        check=check,
    )


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m deploy.stack", description=__doc__.split("\n")[0]
    )
    parser.add_argument("command", choices=["start", "stop", "status", "manage", "render"])
    parser.add_argument("--dir", type=Path, default=DEFAULT_DIR)
    parser.add_argument(
        "--listen", help="start: 127.0.0.1:8080 by default; render: 80, or 443 with TLS"
    )
    parser.add_argument("--out", type=Path, help="render: where to write the nginx files")
    parser.add_argument("--server-name", default="_")
    parser.add_argument("--socket", default="/run/portal/gunicorn.sock")
    parser.add_argument("--static-root", type=Path, default=Path("/srv/portal/staticfiles"))
    parser.add_argument("--access-log", default="/var/log/nginx/portal-access.log")
    parser.add_argument("--tls-certificate", default="")
    parser.add_argument("--tls-certificate-key", default="")
    argv = sys.argv[1:] if argv is None else list(argv)
    # manage: manage.py's own arguments come after "--".
    split = argv.index("--") if "--" in argv else len(argv)
    options, rest = parser.parse_args(argv[:split]), argv[split + 1 :]

    if options.command == "render":
        if options.out is None:
            parser.error("render precisa de --out")
        tls = bool(options.tls_certificate)
        server = render_site(
            options.out.resolve(),
            listen=options.listen or ("443" if tls else "80"),
            server_name=options.server_name,
            upstream=f"unix:{options.socket}",
            static_root=options.static_root,
            access_log=options.access_log,
            tls_certificate=options.tls_certificate,
            tls_certificate_key=options.tls_certificate_key,
        )
        print(f"Inclua {server} no bloco http do nginx (sites-enabled).")
        return 0

    directory = options.dir.resolve()
    env = local_environment(directory) if options.command in ("start", "manage") else {}
    listen = options.listen or "127.0.0.1:8080"
    stack = Stack(directory, listen=listen, env=env, static_root=directory / "static")
    if options.command == "manage":
        return manage(stack, *rest, check=False).returncode
    if options.command == "status":
        running = stack.status()
        print(running or "parado")
        return 0 if running else 1
    if options.command == "stop":
        stack.stop()
        print("Parado.")
        return 0

    create_database(env.get("DATABASE_URL", DEFAULT_DATABASE_URL))
    manage(stack, "migrate", "--no-input", "-v0")
    manage(stack, "collectstatic", "--no-input", "-v0")
    manage(stack, "check", "--deploy", check=False)  # the warnings are for the operator to read
    try:
        stack.start()
    except StackError as error:
        print(error, file=sys.stderr)
        return 1
    print(
        f"\nPortal do Parceiro (produção) em {stack.url}/ — nginx → gunicorn ({stack.socket})\n"
        f"  configuração: {directory / 'portal.env'}; logs: {stack.run}/*.log\n"
        f"  usuários: .venv/bin/python -m deploy.stack manage -- createsuperuser\n"
        "  pare com: make prod-stop\n"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
