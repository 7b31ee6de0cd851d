"""The shape of the code: apps by domain, imports one way.

    accounts → partners ← jobs ← clients ← licenses

`partners` is the base (partners, teams, roles, the tenant door); `jobs` runs a partner's long
work off the request (job rows, heartbeat, the waiting page) and knows nothing of what the
work is; `clients` is the domain built on them; `licenses` is the licensing edge that uses
clients; `accounts` is the people's side (sign-in, Minha conta, Equipe) on top of partners.
`portal` is the project: its settings and URLs put the apps together, and its other modules
are small utilities any app may use, which import no app themselves. `benchmarks` may use
everything and nothing uses it.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
APPS = ("partners", "jobs", "clients", "licenses", "accounts", "portal", "benchmarks")
# The project's composition root: the only modules of `portal` that may import apps.
PORTAL_ROOTS = {"portal.settings", "portal.urls", "portal.wsgi"}
ALLOWED = {
    "partners": {"portal"},
    "jobs": {"partners", "portal"},
    "clients": {"partners", "jobs", "portal"},
    "licenses": {"clients", "partners", "portal"},
    "accounts": {"partners", "portal"},
    "portal": set(),
    "benchmarks": {"partners", "jobs", "clients", "licenses", "accounts", "portal"},
}
LONGEST_MODULE = 500  # lines


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(path: Path, *, top_level_only=False):
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    nodes = tree.body if top_level_only else ast.walk(tree)
    for node in nodes:
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module
            # `from clients import services` imports the module clients.services
            yield from (f"{node.module}.{alias.name}" for alias in node.names)


def product_files():
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" not in path.parts:
                yield app, path


def arrows_against_the_layers(files) -> list[str]:
    offenders = []
    for app, path in files:
        if module_name(path) in PORTAL_ROOTS:
            continue
        for module in imported_modules(path):
            other = module.split(".")[0]
            if other in APPS and other != app and other not in ALLOWED[app]:
                offenders.append(f"{path.relative_to(ROOT)} imports {module}")
    return sorted(set(offenders))


def test_imports_run_one_way_between_the_apps():
    assert arrows_against_the_layers(product_files()) == []


def test_the_layers_have_no_cycle():
    """ALLOWED itself is acyclic, so the check above also refuses any cycle between apps."""
    visiting, done = set(), set()

    def visit(app):
        assert app not in visiting, f"a cycle through {app}"
        if app in done:
            return
        visiting.add(app)
        for other in ALLOWED[app]:
            visit(other)
        visiting.discard(app)
        done.add(app)

    for app in ALLOWED:
        visit(app)


def module_cycles(files) -> list[list[str]]:
    """Cycles among the product's modules through their top-level imports (Tarjan)."""
    known = {module_name(path): path for _, path in files}
    graph = {
        name: sorted(
            {m for m in imported_modules(path, top_level_only=True) if m in known} - {name}
        )
        for name, path in known.items()
    }
    index, low, stack, on_stack, cycles = {}, {}, [], set(), []

    def strongconnect(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in graph[node]:
            if other not in index:
                strongconnect(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            # A package importing its own modules to re-export them is not a cycle of jobs.
            if len(component) > 1 and not all(
                m.startswith(min(component, key=len) + ".") or m == min(component, key=len)
                for m in component
            ):
                cycles.append(sorted(component))

    for node in graph:
        if node not in index:
            strongconnect(node)
    return cycles


def test_no_module_imports_itself_through_others():
    assert module_cycles(product_files()) == []


def test_no_product_module_is_longer_than_the_limit():
    long = [
        f"{path.relative_to(ROOT)}: {n} lines"
        for app, path in product_files()
        if app != "benchmarks"
        and (n := len(path.read_text(encoding="utf-8").splitlines())) > LONGEST_MODULE
    ]
    assert long == []


@pytest.mark.parametrize(
    "app,source,refused",
    [
        ("partners", "from clients.models import Client\n", True),
        ("partners", "import accounts.services\n", True),
        ("clients", "from licenses import signing\n", True),
        ("clients", "from accounts.models import TOTPDevice\n", True),
        ("clients", "from partners.models import Partner\n", False),
        ("licenses", "from clients.models import Client\n", False),
        ("accounts", "from clients import services\n", True),
        ("jobs", "from clients.services import bulk\n", True),
        ("clients", "from jobs.running import own\n", False),
        ("portal", "from partners.models import Partner\n", True),
    ],
)
def test_the_check_finds_an_arrow_back_up(tmp_path, monkeypatch, app, source, refused):
    monkeypatch.setattr(f"{__name__}.ROOT", tmp_path)
    (tmp_path / app).mkdir()
    module = tmp_path / app / "m.py"
    module.write_text(source)
    assert bool(arrows_against_the_layers([(app, module)])) is refused


def test_the_check_finds_a_cycle_between_modules(tmp_path, monkeypatch):
    monkeypatch.setattr(f"{__name__}.ROOT", tmp_path)
    (tmp_path / "clients").mkdir()
    (tmp_path / "clients" / "a.py").write_text("from clients import b\n")
    (tmp_path / "clients" / "b.py").write_text("import clients.a\n")
    files = [("clients", tmp_path / "clients" / name) for name in ("a.py", "b.py")]
    assert module_cycles(files) == [["clients.a", "clients.b"]]
