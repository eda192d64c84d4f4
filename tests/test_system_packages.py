"""scripts/system-packages waits for another apt/dpkg process instead of failing at once.

The script runs against fake ``dpkg``, ``apt-get`` and ``id`` placed first on PATH, so the
test never touches the machine's packages. The fake apt-get follows apt's documented
behaviour for a held lock: without ``DPkg::Lock::Timeout`` it fails at once ("Could not get
lock", exit 100); with a timeout it waits (here: the other process finishes meanwhile).
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "system-packages"

FAKE_APT_GET = """#!/bin/sh
echo "$*" >> "$FAKE_LOG"
timeout=0
previous=""
for arg in "$@"; do
  if [ "$previous" = "-o" ]; then
    case "$arg" in DPkg::Lock::Timeout=*) timeout=${arg#DPkg::Lock::Timeout=} ;; esac
  fi
  previous=$arg
done
if [ -e "$FAKE_LOCK_HELD" ]; then
  if [ "$timeout" -gt 0 ]; then
    echo "Waiting for cache lock: held by process 4242 (unattended-upgr)"
  else
    echo "E: Could not get lock /var/lib/dpkg/lock-frontend. It is held by process 4242" >&2
    exit 100
  fi
fi
exit 0
"""


def fake_bin(tmp_path: Path) -> Path:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    tools = {
        "apt-get": FAKE_APT_GET,
        "dpkg": "#!/bin/sh\nexit 1\n",  # every package is missing
        "id": "#!/bin/sh\necho 0\n",  # root: no sudo
    }
    for name, body in tools.items():
        (bin_dir / name).write_text(body)
        (bin_dir / name).chmod(0o755)
    return bin_dir


def run_script(tmp_path: Path, *, lock_held: bool, **env: str) -> subprocess.CompletedProcess[str]:
    lock = tmp_path / "lock-held"
    if lock_held:
        lock.touch()
    environment = {
        "PATH": f"{fake_bin(tmp_path)}:/usr/bin:/bin",
        "FAKE_LOG": str(tmp_path / "apt-get.log"),
        "FAKE_LOCK_HELD": str(lock),
        "HOME": str(tmp_path),
        **env,
    }
    return subprocess.run(
        ["bash", str(SCRIPT), "run"],
        env=environment,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


def apt_calls(tmp_path: Path) -> list[str]:
    return (tmp_path / "apt-get.log").read_text().splitlines()


def test_it_waits_for_a_held_lock_and_says_so(tmp_path: Path) -> None:
    result = run_script(tmp_path, lock_held=True)
    assert result.returncode == 0, result.stderr
    assert "waits for it up to 600 s" in result.stdout
    calls = apt_calls(tmp_path)
    assert [call.split()[2] for call in calls] == ["update", "install"]
    assert all(call.startswith("-o DPkg::Lock::Timeout=600 ") for call in calls)


def test_the_wait_is_configurable(tmp_path: Path) -> None:
    result = run_script(tmp_path, lock_held=False, QUARTIERI_APT_LOCK_TIMEOUT="45")
    assert result.returncode == 0, result.stderr
    assert all(call.startswith("-o DPkg::Lock::Timeout=45 ") for call in apt_calls(tmp_path))


@pytest.mark.parametrize("value", ["soon", "-1", "1.5"])
def test_a_bad_timeout_is_refused_before_apt_runs(tmp_path: Path, value: str) -> None:
    result = run_script(tmp_path, lock_held=False, QUARTIERI_APT_LOCK_TIMEOUT=value)
    assert result.returncode == 2
    assert f"QUARTIERI_APT_LOCK_TIMEOUT={value} is not a number of seconds" in result.stderr
    assert not (tmp_path / "apt-get.log").exists()


def test_nothing_is_installed_when_nothing_is_missing(tmp_path: Path) -> None:
    bin_dir = fake_bin(tmp_path)
    (bin_dir / "dpkg").write_text("#!/bin/sh\nexit 0\n")
    result = subprocess.run(
        ["bash", str(SCRIPT), "ci"],
        env={**os.environ, "PATH": f"{bin_dir}:/usr/bin:/bin", "FAKE_LOG": str(tmp_path / "l")},
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 0
    assert not (tmp_path / "l").exists()
