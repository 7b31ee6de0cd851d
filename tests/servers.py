"""Real app processes for tests that cross process boundaries: gunicorn instances and a TCP
proxy in front of PostgreSQL that a test can cut to simulate an outage."""

import http.cookiejar
import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from contextlib import contextmanager, suppress
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_url(settings_dict, host=None, port=None) -> str:
    user = settings_dict.get("USER") or "postgres"
    password = settings_dict.get("PASSWORD") or ""
    auth = f"{user}:{password}@" if password else f"{user}@"
    host = host or settings_dict.get("HOST") or "127.0.0.1"
    port = port or settings_dict.get("PORT") or 5432
    return f"postgres://{auth}{host}:{port}/{settings_dict['NAME']}"


@contextmanager
def app_server(database_url: str, threads: int = 2, **env):
    """A gunicorn instance of the portal (DEBUG off, like production) on a free port: one
    worker, `threads` threads (each with its own database connection)."""
    port = free_port()
    clean = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    command = f"-m gunicorn portal.wsgi --bind 127.0.0.1:{port} --workers 1 --threads {threads}"
    process = subprocess.Popen(
        [sys.executable, *command.split(), "--timeout", "30", "--no-control-socket"],
        cwd=ROOT,
        env={
            **clean,
            "DEBUG": "false",
            "DATABASE_URL": database_url,
            "LOG_LEVEL": "WARNING",
            "STATIC_ROOT": str(collected_static()),
            "SECRET_KEY": os.environ.get("SECRET_KEY", "x" * 50),
            **env,
        },
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_serving(base, process)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_until_serving(base, process):
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(base + "/entrar/", timeout=5)
            return
        except urllib.error.HTTPError as error:  # it answers, but wrongly
            process.kill()
            raise RuntimeError(f"{error}: {process.communicate()[1].decode()}") from None
        except OSError:  # refused, reset or timed out while gunicorn starts
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise RuntimeError(process.communicate()[1].decode()) from None
            time.sleep(0.2)


_static_root = None


def collected_static() -> Path:
    """collectstatic once per test run, as production does (manifest + WhiteNoise)."""
    global _static_root
    if _static_root is None:
        import tempfile

        _static_root = Path(tempfile.mkdtemp(prefix="portal-static-"))
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--no-input", "-v0"],
            cwd=ROOT,
            check=True,
            env={
                **os.environ,
                "DEBUG": "false",
                "STATIC_ROOT": str(_static_root),
                "SECRET_KEY": os.environ.get("SECRET_KEY", "x" * 50),
            },
        )
    return _static_root


class Browser:
    """A cookie-keeping HTTP client (what a person's browser does, minus the rendering)."""

    def __init__(self):
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect()
        )

    def request(self, url, data=None):
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        try:
            response = self.opener.open(url, body, timeout=15)
        except urllib.error.HTTPError as error:
            return error.code, error.headers, error.read().decode()
        return response.status, response.headers, response.read().decode()

    def csrf_token(self, page_html):
        return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page_html).group(1)

    def sign_in(self, base, username, password):
        _, _, page = self.request(base + "/entrar/")
        status, headers, _ = self.request(
            base + "/entrar/",
            {
                "username": username,
                "password": password,
                "csrfmiddlewaretoken": self.csrf_token(page),
            },
        )
        assert status == 302, status
        return headers["Location"]

    def post_form(self, base, page_path, action_path, extra=None):
        _, _, page = self.request(base + page_path)
        return self.request(
            base + action_path, {"csrfmiddlewaretoken": self.csrf_token(page), **(extra or {})}
        )


def with_production_password(user, password):
    """Tests hash with MD5 for speed (conftest); an app process runs the production hashers,
    so a user who signs in there needs a hash of the first of them (Argon2)."""
    from django.utils.module_loading import import_string

    from portal import settings as production

    hasher = import_string(production.PASSWORD_HASHERS[0])()
    user.password = hasher.encode(password, hasher.salt())
    user.save(update_fields=["password"])
    return user


def post_json(base, name, body):
    """POST a JSON body to the API at `base`: (HTTP status, the decoded JSON answer, or the
    text of an answer that is not JSON, such as the site's 503 page)."""
    request = urllib.request.Request(
        f"{base}/api/v1/{name}",
        json.dumps(body).encode(),
        {"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        text = error.read().decode()
        try:
            return error.code, json.loads(text)
        except ValueError:
            return error.code, text


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class TcpProxy:
    """Forwards 127.0.0.1:<port> to a target; `cut()` drops every connection and refuses new
    ones (the database is "down"), `restore()` listens again on the same port."""

    def __init__(self, target_host, target_port):
        self.target = (target_host, int(target_port))
        self.port = free_port()
        self._connections: list[socket.socket] = []
        self._lock = threading.Lock()
        self._server = None

    def restore(self):
        self._server = socket.create_server(("127.0.0.1", self.port), reuse_port=False)
        self._server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        threading.Thread(target=self._accept, args=(self._server,), daemon=True).start()

    def cut(self):
        # shutdown() wakes the thread blocked in accept(); close() alone would not on Linux.
        self._server.shutdown(socket.SHUT_RDWR)
        self._server.close()
        with self._lock:
            for sock in self._connections:
                with suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()
            self._connections.clear()

    def _accept(self, server):
        while True:
            try:
                client, _ = server.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            with self._lock:
                self._connections += [client, upstream]
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pipe(source, sink):
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                with suppress(OSError):
                    sock.close()


PGBOUNCER = "/usr/sbin/pgbouncer"


@contextmanager
def pgbouncer(settings_dict, pool_size=4):
    """Debian's PgBouncer in transaction mode in front of the test's PostgreSQL, on a free port
    of 127.0.0.1 with its own configuration in a temporary directory; yields its port. It runs
    as the `postgres` user when this process is root (PgBouncer refuses to run as root) and is
    stopped by its pid. Raises PgBouncerUnavailable when it is not installed or cannot start."""
    import pwd
    import shutil
    import signal
    import tempfile

    if not Path(PGBOUNCER).exists():
        raise PgBouncerUnavailable(f"{PGBOUNCER} não está instalado (apt-get install pgbouncer)")
    port = free_port()
    user = settings_dict.get("USER") or "postgres"
    workdir = Path(tempfile.mkdtemp(prefix="pgbouncer-"))
    (workdir / "users.txt").write_text(f'"{user}" ""\n')
    (workdir / "pgbouncer.ini").write_text(
        "[databases]\n"
        f"* = host={settings_dict.get('HOST') or '127.0.0.1'} "
        f"port={settings_dict.get('PORT') or 5432}\n"
        "[pgbouncer]\n"
        f"listen_addr = 127.0.0.1\nlisten_port = {port}\nunix_socket_dir =\n"
        f"auth_type = trust\nauth_file = {workdir / 'users.txt'}\n"
        f"pool_mode = transaction\ndefault_pool_size = {pool_size}\nmax_client_conn = 200\n"
        f"logfile = {workdir / 'pgbouncer.log'}\npidfile = {workdir / 'pgbouncer.pid'}\n"
        "ignore_startup_parameters = extra_float_digits,options\n"
    )
    command = [PGBOUNCER, "-d", "-q", str(workdir / "pgbouncer.ini")]
    if os.geteuid() == 0:
        try:
            postgres = pwd.getpwnam("postgres")
        except KeyError:
            raise PgBouncerUnavailable("sem o usuário postgres para rodar o PgBouncer") from None
        shutil.chown(workdir, postgres.pw_uid, postgres.pw_gid)
        command = ["runuser", "-u", "postgres", "--", *command]
    started = subprocess.run(command, capture_output=True, text=True, check=False)
    pidfile = workdir / "pgbouncer.pid"
    deadline = time.monotonic() + 10
    pid = None
    while pid is None:
        with suppress(OSError, ValueError):
            pid = int(pidfile.read_text())
        if pid is None:
            if time.monotonic() > deadline:
                log = (workdir / "pgbouncer.log").read_text() if started.returncode == 0 else ""
                raise PgBouncerUnavailable(f"o PgBouncer não subiu: {started.stderr}{log}")
            time.sleep(0.05)
    try:
        _wait_for_port(port)
        yield port
    finally:
        with suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.05)
        shutil.rmtree(workdir, ignore_errors=True)


class PgBouncerUnavailable(Exception):
    pass


def _wait_for_port(port):
    deadline = time.monotonic() + 10
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


@contextmanager
def task_worker(database_url: str, **env):
    """A real `manage.py db_worker` (django-tasks-db) against `database_url`, in a process
    group of its own so that a test can kill it like a crashed machine (`kill_worker`). Its
    heartbeat every 0.2 s, a job stale after 3 s of silence; its output in `.log`."""
    import tempfile

    clean = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    log = tempfile.NamedTemporaryFile(prefix="db-worker-", suffix=".log", delete=False)  # noqa: SIM115
    command = "manage.py db_worker --no-reload --interval 0.1 --no-startup-delay"
    process = subprocess.Popen(
        [sys.executable, *command.split()],
        cwd=ROOT,
        env={
            **clean,
            "DEBUG": "false",
            "DATABASE_URL": database_url,
            "LOG_LEVEL": "WARNING",
            "SECRET_KEY": os.environ.get("SECRET_KEY", "x" * 50),
            "TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
            "JOB_HEARTBEAT_SECONDS": "0.2",
            "JOB_STALE_SECONDS": "3",
            **env,
        },
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    process.log = log.name
    try:
        yield process
    finally:
        kill_worker(process, gracefully=True)
        log.close()


def kill_worker(process, gracefully=False) -> None:
    """SIGKILL (or SIGTERM first, when `gracefully`) to the worker's whole process group."""
    import signal

    if process.poll() is not None:
        return
    for signum in (signal.SIGTERM, signal.SIGKILL) if gracefully else (signal.SIGKILL,):
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signum)
        try:
            process.wait(timeout=10)
            return
        except subprocess.TimeoutExpired:
            continue


def wait_until(condition, timeout=60, interval=0.1, what="the condition"):
    """Poll `condition()` until it is true (its value), or fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(interval)
