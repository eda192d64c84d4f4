"""HTTP plumbing shared by the connectors: explicit timeouts and network errors classified.

The one rule that prevents duplicate posts lives here: a network failure on a call that
creates something is ``MaybeSubmitted`` unless the request provably never left (the
connection was never made), because the platform may have acted on it.
"""

from __future__ import annotations

import functools
import ssl
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any

import certifi
import httpx
from django.utils import timezone

from quartieri.channels.connectors.base import MaybeSubmitted, RetryableError

# Every call has limits on each phase; uploads get a longer write phase.
DEFAULT_TIMEOUT = httpx.Timeout(connect=5.0, read=30.0, write=30.0, pool=5.0)
UPLOAD_TIMEOUT = httpx.Timeout(connect=5.0, read=60.0, write=300.0, pool=5.0)

# Failures where the request never reached the server: always safe to send again.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.UnsupportedProtocol)


@functools.cache
def tls_context() -> ssl.SSLContext:
    """The TLS settings every client shares (certificates checked against certifi's bundle).

    Building a context loads the whole CA bundle, ~100 ms of CPU: a client per platform call
    each building its own made a publishing worker CPU-bound (docs/benchmarks.md). A
    context only read after it is built is safe to share between threads.
    """
    return ssl.create_default_context(cafile=certifi.where())


def http_client(*, base_url: str, timeout: httpx.Timeout | None = None) -> httpx.Client:
    return httpx.Client(
        base_url=base_url.rstrip("/"),
        timeout=timeout or DEFAULT_TIMEOUT,
        headers={"User-Agent": "quartieri-publishing/1"},
        follow_redirects=False,
        verify=tls_context(),
    )


def http_send(
    client: httpx.Client,
    method: str,
    url: str,
    *,
    creates: bool,
    publish_id: str = "",
    **kwargs: Any,
) -> httpx.Response:
    """Send one request; ``creates`` marks a call whose repetition could post twice."""
    try:
        return client.request(method, url, **kwargs)
    except _NOT_SENT as error:
        raise RetryableError(f"{method} {url}: not sent ({error.__class__.__name__})") from error
    except httpx.TransportError as error:
        # A timeout or a dropped connection after the request went out.
        message = f"{method} {url}: no answer ({error.__class__.__name__})"
        if creates:
            raise MaybeSubmitted(message, publish_id=publish_id) from error
        raise RetryableError(message) from error


def retry_after_seconds(response: httpx.Response) -> float | None:
    """The Retry-After header as seconds (it may be a number or an HTTP date), or None."""
    raw = response.headers.get("Retry-After", "").strip()
    if not raw:
        return None
    try:
        return max(0.0, float(raw))
    except ValueError:
        pass
    try:
        when: datetime = parsedate_to_datetime(raw)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - timezone.now()).total_seconds())


def json_body(response: httpx.Response) -> dict[str, Any]:
    """The JSON object of a response, or {} when the body is not a JSON object."""
    try:
        data = response.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


# The read-only listing every local fake answers with what it published (fakeserver.py);
# the demo sandbox's viewer reads it. Named here so that the viewer imports no fake.
SANDBOX_LISTING = "/_sandbox/posts"
