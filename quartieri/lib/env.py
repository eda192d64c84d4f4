"""Typed readers for QUARTIERI_* environment settings.

Every reader raises ``ImproperlyConfigured`` with a message that names the variable, so a
process started with a wrong setting refuses with one clear line (see ``quartieri.cli``).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str) -> str:
    return os.environ.get(name, default)


def env_bool(name: str, *, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(
        f"{name}={raw!r} is not a yes/no value (use 1/0, true/false, on/off)"
    )


def env_int(name: str, *, default: int, minimum: int = 0) -> int:
    raw = os.environ.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a whole number") from None
    if value < minimum:
        raise ImproperlyConfigured(f"{name}={raw!r} must be at least {minimum}")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_url(name: str, default: str, *, schemes: tuple[str, ...]) -> str:
    raw = os.environ.get(name, default)
    parts = urlsplit(raw)
    if parts.scheme not in schemes or not parts.netloc:
        allowed = ", ".join(f"{s}://" for s in schemes)
        raise ImproperlyConfigured(f"{name}={raw!r} is not a URL starting with {allowed}")
    return raw.rstrip("/")


def env_secret(name: str, *, data_dir: Path, filename: str) -> str:
    """Read a secret from NAME, NAME_FILE, or a file kept under the data folder.

    The embedded default generates the secret once into ``data_dir`` (mode 0600) so that
    `make demo` needs no configuration and the value survives restarts; production sets
    NAME or NAME_FILE and never relies on the generated one.
    """
    value = os.environ.get(name)
    if value:
        return value
    file_setting = os.environ.get(f"{name}_FILE")
    if file_setting:
        path = Path(file_setting)
        if not path.is_file():
            raise ImproperlyConfigured(f"{name}_FILE={file_setting!r} is not a readable file")
        return path.read_text().strip()
    stored = data_dir / filename
    if stored.is_file():
        return stored.read_text().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    generated = secrets.token_urlsafe(50)
    stored.write_text(generated)
    stored.chmod(0o600)
    return generated


# Host names that reach only this machine (an http:// address is safe on them).
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})
