"""Uploading a build to S3-compatible storage: only what changed, deletions, manifest last.

The fake implements the three calls used with S3's documented behaviour: GetObject of a
missing key fails with NoSuchKey; PutObject replaces; DeleteObject of a missing key
succeeds. Failure injection: a PutObject that fails after N calls."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest

from quartieri.minisites.build import site_build
from quartieri.minisites.upload import sites_upload
from quartieri.places.models import TourStop

pytestmark = pytest.mark.django_db


class NoSuchKeyError(Exception):
    """botocore raises a class named NoSuchKey; the upload recognises it by name."""


NoSuchKeyError.__name__ = "NoSuchKey"


class FakeS3:
    def __init__(self, *, fail_after: int | None = None) -> None:
        self.objects: dict[tuple[str, str], dict[str, Any]] = {}
        self.puts: list[str] = []
        self.fail_after = fail_after

    def get_object(self, *, Bucket: str, Key: str) -> dict[str, Any]:  # noqa: N803 - boto3's names
        if (Bucket, Key) not in self.objects:
            raise NoSuchKeyError(Key)
        return {"Body": io.BytesIO(self.objects[(Bucket, Key)]["Body"])}

    def put_object(self, *, Bucket: str, Key: str, **kw: Any) -> dict[str, Any]:  # noqa: N803
        if self.fail_after is not None and len(self.puts) >= self.fail_after:
            raise ConnectionError("storage unreachable")
        self.objects[(Bucket, Key)] = kw
        self.puts.append(Key)
        return {}

    def delete_object(self, *, Bucket: str, Key: str) -> dict[str, Any]:  # noqa: N803
        self.objects.pop((Bucket, Key), None)
        return {}


def test_upload_sends_only_changes_and_writes_the_manifest_last(campaign, tmp_path):
    site_build(campaign=campaign, out_dir=tmp_path)
    s3 = FakeS3()
    first = sites_upload(out_dir=tmp_path, bucket="siti", prefix="q", client=s3)
    files = json.loads((tmp_path / "manifest.json").read_text())["files"]
    assert sorted(first.uploaded) == sorted(files)
    assert s3.puts[-1] == "q/manifest.json"
    page = s3.objects[("siti", "q/testa-1-ovest/it/index.html")]
    assert (page["ContentType"], page["CacheControl"]) == ("text/html", "public, max-age=300")

    s3.puts.clear()
    TourStop.objects.filter(poi__name_it="Chiesa").update(text_it="Nuovo testo")
    site_build(campaign=campaign, out_dir=tmp_path)
    second = sites_upload(out_dir=tmp_path, bucket="siti", prefix="q", client=s3)
    assert len(second.uploaded) == 3  # the tour page, its GPX and route data (Italian)
    assert second.unchanged == len(files) - 3
    assert s3.puts == [*(f"q/{p}" for p in second.uploaded), "q/manifest.json"]


def test_a_failed_upload_keeps_the_old_manifest_so_the_next_run_retries(campaign, tmp_path):
    site_build(campaign=campaign, out_dir=tmp_path)
    s3 = FakeS3(fail_after=5)
    with pytest.raises(ConnectionError):
        sites_upload(out_dir=tmp_path, bucket="siti", client=s3)
    assert ("siti", "manifest.json") not in s3.objects
    s3.fail_after = None
    retry = sites_upload(out_dir=tmp_path, bucket="siti", client=s3)
    assert retry.unchanged == 0  # nothing is taken as there without the manifest's word
    assert ("siti", "manifest.json") in s3.objects


def test_files_the_build_dropped_are_deleted_from_the_bucket(campaign, tmp_path):
    site_build(campaign=campaign, out_dir=tmp_path)
    s3 = FakeS3()
    sites_upload(out_dir=tmp_path, bucket="siti", client=s3)
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    manifest["files"]["old/page.html"] = "0" * 64
    s3.objects[("siti", "manifest.json")] = {"Body": json.dumps(manifest).encode()}
    s3.objects[("siti", "old/page.html")] = {"Body": b"x"}
    result = sites_upload(out_dir=tmp_path, bucket="siti", client=s3)
    assert result.deleted == ["old/page.html"]
    assert ("siti", "old/page.html") not in s3.objects
