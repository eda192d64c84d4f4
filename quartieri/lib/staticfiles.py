"""Static files: hashed names and gzip, without brotli.

WhiteNoise compresses with brotli at its highest quality when the brotli module is present
(WeasyPrint brings it): over Bootstrap Italia that took a minute of CPU on every
collectstatic. gzip alone takes seconds; a proxy in front can add brotli if wanted.
"""

from __future__ import annotations

from typing import Any

from whitenoise.compress import Compressor
from whitenoise.storage import CompressedManifestStaticFilesStorage


class GzipManifestStaticFilesStorage(CompressedManifestStaticFilesStorage):  # type: ignore[misc]
    def create_compressor(self, **kwargs: Any) -> Compressor:
        return Compressor(**{**kwargs, "use_brotli": False})
