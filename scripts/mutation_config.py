"""What scripts/mutation-run and scripts/mutation-report share: the modules mutated, each
with its own tests ([tool.quartieri-mutation.tests] in pyproject.toml, the one list), and the
directory each module is run in. Run on its own it prints the modules (for make mutation).
"""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def module_tests() -> dict[str, list[str]]:
    """Each module mutated, as a path under the root, with the test files run against it."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    return dict(config["tool"]["quartieri-mutation"]["tests"])


def modules() -> list[str]:
    return list(module_tests())


def workdir(module: str) -> Path:
    """var/mutation/<module>/: each module's own mutmut directory, so its own results."""
    return ROOT / "var" / "mutation" / module.removesuffix(".py").replace("/", ".")


if __name__ == "__main__":
    sys.stdout.write(" ".join(modules()) + "\n")
