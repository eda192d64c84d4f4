"""The files a newcomer and Developers Italia read: publiccode.yml, LICENSE, README."""

from __future__ import annotations

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def test_publiccode_has_every_mandatory_key():
    data = yaml.safe_load((ROOT / "publiccode.yml").read_text())
    for key in (
        "publiccodeYmlVersion",
        "name",
        "url",
        "platforms",
        "developmentStatus",
        "softwareType",
        "legal",
        "maintenance",
        "localisation",
    ):
        assert data.get(key), key
    assert data["developmentStatus"] in {"concept", "development", "beta", "stable", "obsolete"}
    assert data["legal"]["license"] == "AGPL-3.0-or-later"
    assert data["maintenance"]["type"] in {"internal", "contract", "community", "none"}
    assert data["maintenance"]["contacts"] or data["maintenance"]["contractors"]
    assert set(data["localisation"]["availableLanguages"]) == {"it", "en"}
    for language in ("it", "en"):
        description = data["description"][language]
        assert description["shortDescription"]
        assert len(description["shortDescription"]) <= 150
        assert description["longDescription"]
        assert description["features"]


def test_license_is_the_agpl_and_the_readme_says_why():
    assert (ROOT / "LICENSE").read_text().startswith("GNU AFFERO GENERAL PUBLIC LICENSE")
    readme = (ROOT / "README.md").read_text()
    assert "make demo" in readme
    assert "make test" in readme
    assert "AGPL" in readme
