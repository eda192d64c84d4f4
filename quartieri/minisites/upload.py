"""Publishing a built folder to S3-compatible object storage (optional: the ``s3`` extra).

The bucket keeps the manifest of what it holds (``<prefix>manifest.json``, written last):
only files whose SHA-256 differs from it are uploaded, files it lists that the build no
longer has are deleted, and a failed run leaves the old manifest, so the next run uploads
again whatever it cannot prove is there. Credentials come from boto3's own chain
(environment, instance role, ~/.aws), never from quartieri's database.
"""

from __future__ import annotations

import importlib
import json
import mimetypes
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from quartieri.minisites.build import MANIFEST

TYPES = {
    ".atom": "application/atom+xml",
    ".gpx": "application/gpx+xml",
    ".geojson": "application/geo+json",
    ".json": "application/json",
    ".woff2": "font/woff2",
}


class S3Client(Protocol):
    def get_object(self, **kwargs: Any) -> dict[str, Any]: ...
    def put_object(self, **kwargs: Any) -> dict[str, Any]: ...
    def delete_object(self, **kwargs: Any) -> dict[str, Any]: ...


@dataclass
class UploadResult:
    uploaded: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    unchanged: int = 0


def s3_client(*, endpoint_url: str = "", region: str = "") -> S3Client:
    try:
        boto3 = importlib.import_module("boto3")  # optional: the "s3" extra
    except ImportError as error:
        raise RuntimeError(
            'uploading needs boto3: install the "s3" extra (pip install -e ".[s3]")'
        ) from error
    client: S3Client = boto3.client(
        "s3", endpoint_url=endpoint_url or None, region_name=region or None
    )
    return client


def _remote_manifest(client: S3Client, bucket: str, key: str) -> dict[str, str]:
    try:
        body = client.get_object(Bucket=bucket, Key=key)["Body"].read()
    except Exception as error:  # noqa: BLE001 - botocore's NoSuchKey has no importable class
        if "NoSuchKey" in type(error).__name__ or "NoSuchKey" in str(error):
            return {}
        raise
    files = json.loads(body).get("files", {})
    return files if isinstance(files, dict) else {}


def _content_type(path: str) -> str:
    suffix = Path(path).suffix
    return TYPES.get(suffix) or mimetypes.guess_type(path)[0] or "application/octet-stream"


def _cache_control(path: str) -> str:
    # The stylesheet's name carries its hash: cache it for ever; pages for five minutes.
    return (
        "public, max-age=31536000, immutable" if "/site." in f"/{path}" else "public, max-age=300"
    )


def sites_upload(*, out_dir: Path, bucket: str, prefix: str = "", client: S3Client) -> UploadResult:
    """Make the bucket hold exactly the built folder's files (by its manifest)."""
    manifest_bytes = (out_dir / MANIFEST).read_bytes()
    files: dict[str, str] = json.loads(manifest_bytes)["files"]
    prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
    remote = _remote_manifest(client, bucket, prefix + MANIFEST)
    result = UploadResult()
    for path, digest in sorted(files.items()):
        if remote.get(path) == digest:
            result.unchanged += 1
            continue
        client.put_object(
            Bucket=bucket,
            Key=prefix + path,
            Body=(out_dir / path).read_bytes(),
            ContentType=_content_type(path),
            CacheControl=_cache_control(path),
        )
        result.uploaded.append(path)
    for path in sorted(set(remote) - set(files)):
        client.delete_object(Bucket=bucket, Key=prefix + path)
        result.deleted.append(path)
    client.put_object(
        Bucket=bucket,
        Key=prefix + MANIFEST,
        Body=manifest_bytes,
        ContentType="application/json",
        CacheControl="no-cache",
    )
    return result
