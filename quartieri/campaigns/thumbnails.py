"""Thumbnails for the media library: a small JPEG of a picture, or a frame of a video.

Pictures are scaled by Pillow (EXIF orientation applied); a video's frame is taken by
``ffmpeg`` (Debian package ffmpeg), with the same guard as the probe: the MOV/MP4 demuxer
forced and only local files allowed, so a crafted file cannot make it open anything else.
A thumbnail is a convenience: when it cannot be made, the asset simply has none.
"""

from __future__ import annotations

import io
import logging
import secrets
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from PIL import Image, ImageOps, UnidentifiedImageError

from quartieri.campaigns.models import MediaAsset

logger = logging.getLogger(__name__)

# Longest side of a thumbnail, in pixels: sharp in the library's grid and the previews'
# video poster on a 2× screen, a few tens of kilobytes.
THUMBNAIL_SIDE = 480
_QUALITY = 82


def thumbnail_bytes(*, path: Path, kind: str, duration: float | None) -> bytes | None:
    """The thumbnail of the file at ``path`` as JPEG bytes, or None when it cannot be made."""
    try:
        if kind == MediaAsset.Kind.VIDEO:
            return _video_frame(path, duration)
        return _picture(path)
    except (OSError, UnidentifiedImageError, subprocess.SubprocessError, ValueError):
        logger.warning("No thumbnail for %s", path.name, exc_info=True)
        return None


def _picture(path: Path) -> bytes:
    with Image.open(path) as image:
        still = ImageOps.exif_transpose(image).convert("RGB")
    still.thumbnail((THUMBNAIL_SIDE, THUMBNAIL_SIDE))
    out = io.BytesIO()
    still.save(out, format="JPEG", quality=_QUALITY)
    return out.getvalue()


def _video_frame(path: Path, duration: float | None) -> bytes | None:
    # One second in (past a black first frame), or the middle of a shorter video.
    at = min(1.0, (duration or 0) / 2)
    side = THUMBNAIL_SIDE
    command = [
        settings.MEDIA_FFMPEG,
        *("-nostdin", "-v", "error", "-f", "mov", "-protocol_whitelist", "file"),
        *("-ss", f"{at:.3f}", "-i", f"file:{path}", "-frames:v", "1"),
        *("-vf", f"scale={side}:{side}:force_original_aspect_ratio=decrease"),
        *("-f", "image2pipe", "-c:v", "mjpeg", "-q:v", "4", "pipe:1"),
    ]
    done = subprocess.run(  # noqa: S603 - fixed program and arguments, no shell
        command, capture_output=True, timeout=settings.MEDIA_PROBE_TIMEOUT_SECONDS, check=False
    )
    if done.returncode != 0 or not done.stdout:
        logger.warning("ffmpeg made no frame of %s: %s", path.name, done.stderr[-300:])
        return None
    return done.stdout


def thumbnail_name() -> str:
    return f"{secrets.token_urlsafe(16)}.jpg"


@contextmanager
def stored_copy(asset: MediaAsset) -> Iterator[Path]:
    """A local path to an asset's stored file (the storage may be a bucket)."""
    with asset.file.open("rb") as source, tempfile.NamedTemporaryFile(prefix="thumb-") as copy:
        for chunk in source.chunks():
            copy.write(chunk)
        copy.flush()
        yield Path(copy.name)


def media_thumbnail_make(*, asset: MediaAsset) -> bool:
    """Make and store the thumbnail of an asset that has none; True when one was made.

    For rows older than the media library (``quartieri campaigns thumbnails``); uploads get
    theirs as they are stored (``media.media_upload``).
    """
    if asset.thumbnail:
        return False
    with stored_copy(asset) as path:
        data = thumbnail_bytes(path=path, kind=asset.kind, duration=asset.duration_seconds)
    if data is None:
        return False
    asset.thumbnail.save(thumbnail_name(), ContentFile(data), save=False)
    MediaAsset.objects.filter(pk=asset.pk).update(thumbnail=asset.thumbnail.name)
    return True
