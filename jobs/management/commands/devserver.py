"""manage.py devserver [ADDRPORT]: the development server and a task worker, as one command
(`make run`); Ctrl-C stops both."""

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from django.core.management.base import BaseCommand

MANAGE = Path(__file__).resolve().parents[3] / "manage.py"


class Command(BaseCommand):
    help = (
        "Roda o servidor de desenvolvimento (runserver) e um processador de tarefas "
        "(db_worker) juntos; Ctrl-C encerra os dois."
    )

    def add_arguments(self, parser):
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")

    def handle(self, *args, addrport, **options):
        python = [sys.executable, str(MANAGE)]
        # Each in a process group of its own (with the autoreloader's child), so that stopping
        # one group stops the whole of it — and Ctrl-C reaches this command, which stops both.
        processes = [
            subprocess.Popen([*python, "db_worker", "--interval", "1"], start_new_session=True),
            subprocess.Popen([*python, "runserver", addrport], start_new_session=True),
        ]
        stopping = False

        def stop(signum, frame):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        try:
            while not stopping and all(p.poll() is None for p in processes):
                time.sleep(0.2)
        finally:
            _stop(processes)
        failed = [p.returncode for p in processes if p.returncode not in (0, -2, -15)]
        if failed and not stopping:
            sys.exit(1)


def _stop(processes) -> None:
    """SIGINT to every group at once (the worker finishes its task, runserver stops), then
    SIGKILL to any still running 10 s later."""
    for signum, wait in ((signal.SIGINT, 10), (signal.SIGKILL, 5)):
        running = [p for p in processes if p.poll() is None]
        for process in running:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signum)
        deadline = time.monotonic() + wait
        for process in running:
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=max(deadline - time.monotonic(), 0.1))
