"""The benchmarks are not run by the tests (they need a seeded PostgreSQL and minutes), but
each of their commands must at least import: a helper renamed elsewhere must not break
`make bench`, `make bench-api` or `make bench-import` unseen."""

import importlib
from pathlib import Path

import pytest

COMMANDS = sorted(
    path.stem
    for path in (Path(__file__).resolve().parent.parent / "bench/management/commands").glob("*.py")
    if path.stem != "__init__"
)


def test_the_benchmark_commands_are_found():
    assert {"bench_api", "bench_clients", "bench_export", "bench_import"} <= set(COMMANDS)


@pytest.mark.parametrize("name", COMMANDS)
def test_each_benchmark_command_imports_and_has_its_command(name):
    module = importlib.import_module(f"bench.management.commands.{name}")
    assert hasattr(module, "Command")
