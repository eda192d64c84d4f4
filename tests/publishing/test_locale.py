from __future__ import annotations

from django.utils import translation

from quartieri.channels.connectors.base import PermanentError
from quartieri.channels.kinds.tiktok.errors import fail_reason_error


def test_plain_reasons_are_translated():
    error = fail_reason_error("video_pull_failed")
    assert isinstance(error, PermanentError)
    with translation.override("it"):
        assert "TikTok non è riuscito a scaricare il video" in str(error.reason)
        assert "programma di nuovo" in str(error.action)
    with translation.override("en"):
        assert "TikTok could not download the video" in str(error.reason)
