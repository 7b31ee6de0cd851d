"""The benchmarks are not run by the tests (they need a seeded PostgreSQL and minutes), but
each of their commands must at least import: a helper renamed elsewhere must not break
`make bench`, `make bench-api` or `make bench-import` unseen."""

import datetime
import importlib
import random
from collections import Counter
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.utils import timezone

from benchmarks.management.commands.bench_clients import STATUS_SHARES, Command
from clients.domain.status import client_status

COMMANDS_DIR = Path(__file__).resolve().parent.parent / "benchmarks" / "management" / "commands"
COMMANDS = sorted(path.stem for path in COMMANDS_DIR.glob("*.py") if path.stem != "__init__")


def test_the_benchmark_commands_are_found():
    assert {"bench_api", "bench_clients", "bench_export", "bench_import"} <= set(COMMANDS)


@pytest.mark.parametrize("name", COMMANDS)
def test_each_benchmark_command_imports_and_has_its_command(name):
    module = importlib.import_module(f"benchmarks.management.commands.{name}")
    assert hasattr(module, "Command")


def test_the_list_benchmark_seeds_each_status_in_its_declared_share():
    # One random draw per client against the cumulative shares (a draw per comparison gave
    # 71% Ativo and 39 Oculto clients of 100,000 instead of 62% and 9%).
    today = datetime.date(2026, 12, 15)  # mid-month: an Expirado client can exist
    now = timezone.now()
    rng, clients = random.Random(7), 20_000
    seen = Counter()
    for pk in range(1, clients + 1):
        row, _ = Command()._client_row(pk, 1, rng, today, today.replace(day=1), now)
        facts = SimpleNamespace(
            expires_on=row[9], suspended_at=row[11], pending_since=row[12], hidden_at=row[14]
        )
        seen[client_status(facts, today)] += 1
    previous = 0.0
    for status, cumulative in STATUS_SHARES:
        assert seen[status] / clients == pytest.approx(cumulative - previous, abs=0.015), status
        previous = cumulative
