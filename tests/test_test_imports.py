"""No module under tests/ imports from a test module (``tests/**/test_*.py``): a helper or a
fixture several modules use lives in their folder's conftest.py (fixtures: found without an
import) or in a helper module (tests/processes.py, tests/accessibility.py,
tests/<app>/<name>.py). Importing a test module from another couples the two and loads
every test of the one with the other."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TESTS = ROOT / "tests"


def _package(path: Path) -> list[str]:
    """The dotted package a module under the repository is in, as parts."""
    return list(path.relative_to(ROOT).parent.parts)


def _absolute(node: ast.ImportFrom, package: list[str]) -> str:
    """The module a ``from … import`` reads from, relative imports resolved."""
    if not node.level:
        return node.module or ""
    base = package[: len(package) - (node.level - 1)]
    return ".".join([*base, *([node.module] if node.module else [])])


def _is_test_module(module: str) -> bool:
    parts = module.split(".")
    return (
        parts[0] == "tests"
        and parts[-1].startswith("test_")
        and ROOT.joinpath(*parts).with_suffix(".py").is_file()
    )


# An import statement, parenthesised or continued over lines. Only these are parsed: parsing
# every module whole would cost a second per suite run for a rule about a few lines.
IMPORT = re.compile(
    r"^[ \t]*((?:from[ \t]+[\w.]+[ \t]+)?import[ \t]+(?:\([^)]*\)|(?:\\\n|[^\n])*))",
    re.MULTILINE,
)


def imported_test_modules(source: str, package: list[str]) -> list[tuple[int, str]]:
    """Each import of a test module in ``source``: line and module (any form: ``import``,
    ``from … import``, relative, inside a function)."""
    found = []
    for match in IMPORT.finditer(source):
        try:
            [node] = ast.parse(match.group(1)).body
        except SyntaxError:  # a line of prose that starts with "import"
            continue
        line = source.count("\n", 0, match.start()) + 1
        if isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(node, package)
            modules = [base, *(f"{base}.{alias.name}" for alias in node.names)]
        else:
            continue
        found += [(line, module) for module in modules if _is_test_module(module)]
    return found


def test_no_module_under_tests_imports_a_test_module():
    checked, found = 0, []
    for path in sorted(TESTS.rglob("*.py")):
        checked += 1
        found += [
            f"{path.relative_to(ROOT)}:{line}: {module}"
            for line, module in imported_test_modules(path.read_text(), _package(path))
        ]
    assert checked > 150  # the walk reached the test modules
    assert found == []


def test_the_walk_finds_a_test_module_however_it_is_imported():
    source = (
        "from tests.publishing.test_outbox import drain\n"
        "import tests.core.test_cli\n"
        "from tests.planner import test_views\n"
        "def helper():\n"
        "    from .test_browser import page_title\n"
        "from .conftest import item\n"
        "from tests.processes import run\n"
        "from tests.campaigns.conftest import test_looking_name\n"
        "from tests.core import (\n    conftest,\n    test_serve,\n)\n"
        "import os, \\\n    tests.test_italian\n"
        '"""\nimport the files first\n"""\n'
    )
    assert imported_test_modules(source, ["tests", "campaigns"]) == [
        (1, "tests.publishing.test_outbox"),
        (2, "tests.core.test_cli"),
        (3, "tests.planner.test_views"),
        (5, "tests.campaigns.test_browser"),
        (9, "tests.core.test_serve"),
        (13, "tests.test_italian"),
    ]
