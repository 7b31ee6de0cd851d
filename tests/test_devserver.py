"""`make run`'s one command (manage.py devserver): the development server and a task worker
start together, and Ctrl-C stops both (their autoreloaders' children too)."""

import os
import signal
import subprocess
import sys
import urllib.request

import pytest

from tests.servers import ROOT, free_port, wait_until

pytestmark = pytest.mark.slow_process


def _descendants(pid: int) -> set[int]:
    found, frontier = set(), [pid]
    while frontier:
        parent = frontier.pop()
        children = subprocess.run(
            ["ps", "-o", "pid=", "--ppid", str(parent)], capture_output=True, text=True
        ).stdout.split()
        for child in map(int, children):
            found.add(child)
            frontier.append(child)
    return found


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    state = subprocess.run(["ps", "-o", "stat=", "-p", str(pid)], capture_output=True, text=True)
    return not state.stdout.strip().startswith("Z")


def test_ctrl_c_stops_the_server_and_the_worker(tmp_path):
    database = tmp_path / "dev.sqlite3"
    env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
        "DEBUG": "true",
        "DATABASE_URL": f"sqlite:///{database}",
        "TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
        "LOG_LEVEL": "WARNING",
    }
    env.pop("REDIS_URL", None)
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    port = free_port()
    command = subprocess.Popen(
        [*manage, "devserver", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:

        def serving():
            try:
                return urllib.request.urlopen(f"http://127.0.0.1:{port}/entrar/", timeout=2)
            except OSError:
                return None

        wait_until(serving, timeout=60, interval=0.3, what="the development server")

        def both_running():
            found = _descendants(command.pid)
            lines = subprocess.run(
                ["ps", "-o", "args=", "-p", ",".join(map(str, found))],
                capture_output=True,
                text=True,
            ).stdout
            return found if "db_worker" in lines and "runserver" in lines else None

        children = wait_until(both_running, timeout=30, what="the server and the worker")
        command.send_signal(signal.SIGINT)
        assert command.wait(timeout=30) == 0
        wait_until(
            lambda: not any(_alive(pid) for pid in children),
            timeout=20,
            what="every child process to stop",
        )
    finally:
        if command.poll() is None:
            command.kill()
