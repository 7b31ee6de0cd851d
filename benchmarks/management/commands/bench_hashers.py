"""Sign-in CPU by password hasher: Django's PBKDF2 against Argon2 (argon2-cffi).

A benchmark, not a test (docs/deploy.md, "Senhas"): `manage.py bench_hashers`. For each
hasher it hashes one password, then checks it `--rounds` times one after another (what one
sign-in costs: CPU seconds of the whole process, every thread counted, and wall time), then
`--burst` sign-ins at once in threads, as gunicorn's threads would take a burst of sign-ins
(wall time until the last one; peak memory of the process).
"""

import resource
import statistics
import threading
import time

from django.contrib.auth.hashers import (
    Argon2PasswordHasher,
    PBKDF2PasswordHasher,
)
from django.core.management.base import BaseCommand

PASSWORD = "senha-de-exemplo-2026"


def _peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class Command(BaseCommand):
    help = "CPU por entrada: PBKDF2 (padrão do Django) contra Argon2."

    def add_arguments(self, parser):
        parser.add_argument("--rounds", type=int, default=10)
        parser.add_argument("--burst", type=int, default=8)

    def handle(self, *args, rounds, burst, **options):
        hashers = [PBKDF2PasswordHasher(), Argon2PasswordHasher()]
        self.stdout.write(
            f"PBKDF2-SHA256 {PBKDF2PasswordHasher.iterations:,} iterações; Argon2id "
            f"t={Argon2PasswordHasher.time_cost} m={Argon2PasswordHasher.memory_cost // 1024} MiB "
            f"p={Argon2PasswordHasher.parallelism}. {rounds} entradas seguidas, depois "
            f"{burst} ao mesmo tempo."
        )
        for hasher in hashers:
            encoded = hasher.encode(PASSWORD, hasher.salt())
            cpu, wall = [], []
            for _ in range(rounds):
                started_cpu, started = time.process_time(), time.perf_counter()
                assert hasher.verify(PASSWORD, encoded)
                cpu.append(time.process_time() - started_cpu)
                wall.append(time.perf_counter() - started)
            before = _peak_rss_mib()
            threads = [
                threading.Thread(target=hasher.verify, args=(PASSWORD, encoded))
                for _ in range(burst)
            ]
            started_cpu, started = time.process_time(), time.perf_counter()
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            burst_wall = time.perf_counter() - started
            burst_cpu = time.process_time() - started_cpu
            self.stdout.write(
                f"{hasher.algorithm:>14}: CPU por entrada {statistics.median(cpu) * 1000:.0f} ms "
                f"(mediana; mín. {min(cpu) * 1000:.0f}, máx. {max(cpu) * 1000:.0f}), "
                f"tempo {statistics.median(wall) * 1000:.0f} ms; {burst} de uma vez: "
                f"{burst_wall:.2f} s até a última, CPU {burst_cpu:.2f} s; "
                f"pico de memória do processo {max(before, _peak_rss_mib()):.0f} MiB"
            )
