from __future__ import annotations

import signal
import threading
from types import FrameType
from typing import Any

from django.conf import settings
from django.core.management.base import CommandParser

from quartieri.lib.commands import QuartieriCommand, UsageError
from quartieri.publishing.demo_sandbox import sandbox_build, sandbox_serve


class Command(QuartieriCommand):
    help = (
        "Run the demo sandbox's local stand-ins of TikTok, Instagram and Facebook. TikTok "
        "listens on QUARTIERI_SANDBOX_PORT, Meta's Graph API (Instagram and Facebook) on the "
        "next port; a sandbox platform publishes to them instead of the real ones. 'quartieri "
        "serve' starts it by itself when the data folder is a sandbox (made by 'quartieri demo')."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--port",
            type=int,
            default=settings.SANDBOX_PORT,
            help="TikTok's port; Meta's is the next one (default: QUARTIERI_SANDBOX_PORT, "
            f"now {settings.SANDBOX_PORT}).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        port = options["port"]
        if not 1024 <= port < 65535:
            raise UsageError(f"--port {port} must be between 1024 and 65534 (it uses two ports)")
        try:
            sandbox = sandbox_build(port=port)
        except OSError as error:
            raise UsageError(f"cannot listen on 127.0.0.1:{port}/{port + 1}: {error}") from None
        stop = threading.Event()

        def finish(signum: int, frame: FrameType | None) -> None:
            stop.set()

        signal.signal(signal.SIGTERM, finish)
        signal.signal(signal.SIGINT, finish)
        self.stdout.write(
            f"sandbox: TikTok on {sandbox.tiktok.url}, Instagram and Facebook on "
            f"{sandbox.meta.url}; Ctrl+C stops it."
        )
        self.stdout.flush()
        sandbox_serve(sandbox, stop=stop)
