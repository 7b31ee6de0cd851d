"""The shape of the code: `clients` is the domain, `licenses` the licensing edge that uses it."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def imported_modules(path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module


def test_nothing_in_clients_imports_licenses():
    offenders = [
        f"{path.relative_to(ROOT)} imports {module}"
        for path in sorted((ROOT / "clients").rglob("*.py"))
        for module in imported_modules(path)
        if module == "licenses" or module.startswith("licenses.")
    ]
    assert offenders == []


def test_the_check_finds_an_import_of_licenses(tmp_path):
    module = tmp_path / "m.py"
    module.write_text("from licenses import signing\nimport licenses.api\n")
    assert list(imported_modules(module)) == ["licenses", "licenses.api"]
