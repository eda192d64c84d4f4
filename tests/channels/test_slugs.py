"""No module outside a kind's folder names a platform: a string literal "tiktok",
"instagram", "facebook" (or any other social kind's slug, in any case) is allowed only in
channels/kinds/, the registry, migrations and demo modules. Everything else asks the
kind (channels.registry.kind_for) for what differs."""

from __future__ import annotations

import ast
from pathlib import Path

from quartieri.channels.base import Capability
from quartieri.channels.registry import slugs_with

PACKAGE = Path(__file__).resolve().parents[2] / "quartieri"
SLUGS = {"tiktok", "instagram", "facebook", *slugs_with(Capability.OUTBOX)}


def _exempt(path: Path) -> bool:
    relative = path.relative_to(PACKAGE).as_posix()
    return (
        relative.startswith("channels/kinds/")
        or relative == "channels/registry.py"
        or "/migrations/" in relative
        or path.stem == "demo"
        or path.stem.startswith("demo_")
    )


def slug_literals(source: str) -> list[tuple[int, str]]:
    return [
        (node.lineno, node.value)
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and node.value.casefold() in SLUGS
    ]


def test_no_module_outside_a_kind_names_a_platform():
    checked, found = 0, []
    for path in sorted(PACKAGE.rglob("*.py")):
        if _exempt(path):
            continue
        checked += 1
        found += [
            f"{path.relative_to(PACKAGE)}:{line}: {value!r}"
            for line, value in slug_literals(path.read_text())
        ]
    assert checked > 150  # the walk reached the code
    assert found == []


def test_the_walk_finds_a_slug_however_it_is_written():
    source = 'if account.platform == "tiktok":\n    label = "TikTok"\nname = "tiktok_x"\n'
    assert slug_literals(source) == [(1, "tiktok"), (2, "TikTok")]
