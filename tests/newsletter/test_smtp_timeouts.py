"""How long the SMTP client waits: the reply after the end of data gets the long wait RFC
5321 §4.5.3.2.6 recommends (a setting), every other reply a short one. Against a real
aiosmtpd server on loopback that holds its replies."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest

from quartieri.lib.loop_thread import run_async
from quartieri.newsletter import smtp
from quartieri.newsletter.sink import SinkHandler, sink_start
from quartieri.newsletter.smtp import Connection, Outcome, Outgoing, smtp_servers
from tests.processes import free_port

SHORT = 0.3  # every reply but the one after the end of data (smtp.TIMEOUT_SECONDS)
HOLD = 1.0  # how long the server takes to answer the end of data


class SlowToQueue(SinkHandler):
    """Answers the end of data after ``HOLD`` seconds, as a server scanning the message."""

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        await asyncio.sleep(HOLD)
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture
def slow_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[SlowToQueue, str]]:
    monkeypatch.setattr(smtp, "TIMEOUT_SECONDS", SHORT)
    handler = SlowToQueue()
    port = free_port()
    controller = sink_start(port=port, handler=handler)
    yield handler, f"smtp://127.0.0.1:{port}"
    controller.stop()


def _send(url: str, *, data_timeout: float) -> list[smtp.Result]:
    [server] = smtp_servers([url], data_timeout=data_timeout)
    message = Outgoing(1, "bounces@comune.example.org", "reader@example.org", b"Hi\r\n")

    async def run() -> list[smtp.Result]:
        connection = Connection(replace(server, connections=1))
        # smtp.TIMEOUT_SECONDS (SHORT here) is read at call time: the connect, the greeting,
        # EHLO and the envelope's replies wait that long; the end of data, data_timeout.
        await connection.open()
        try:
            return await connection.send_many([message])
        finally:
            await connection.close()

    return run_async(run())


def test_the_reply_after_the_end_of_data_is_waited_for_longer_than_the_others(slow_server):
    handler, url = slow_server
    [result] = _send(url, data_timeout=HOLD * 4)
    assert result.outcome == Outcome.SENT
    assert list(handler.received.elements()) == ["reader@example.org"]


def test_a_reply_later_than_the_data_timeout_leaves_the_message_uncertain(slow_server):
    handler, url = slow_server
    [result] = _send(url, data_timeout=HOLD / 4)
    # The dot was written and no answer came in time: it may have it, never sent again.
    assert result.outcome == Outcome.UNKNOWN


def test_the_send_uses_the_setting_for_the_end_of_data(settings):
    from quartieri.newsletter import sending

    settings.NEWSLETTER_SMTP_URLS = ["smtp://127.0.0.1:2525"]
    settings.NEWSLETTER_SMTP_DATA_TIMEOUT = 600
    assert [s.data_timeout for s in sending.configured_servers()] == [600]
    assert smtp_servers(["smtp://127.0.0.1:2525"])[0].data_timeout == smtp.TIMEOUT_SECONDS
