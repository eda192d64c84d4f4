"""A local Instagram Graph API (content publishing) for tests and the demo sandbox (§2).

Containers go IN_PROGRESS → FINISHED after ``processing_polls`` status reads (and
``processing_seconds``), or → ERROR when ``fail_next_container(subcode)`` was called;
``media_publish`` checks the container and the rolling quota (``quota_total``), makes the
media and records it in ``posts``.

    python -m quartieri.channels.kinds.instagram.fake --port 8772
"""

from __future__ import annotations

import re
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from quartieri.channels.connectors.fakeserver import (
    FakeRequest,
    FakeResponse,
    Route,
    route,
    run_standalone,
)
from quartieri.channels.kinds.fake_insights import InstagramInsights
from quartieri.channels.kinds.meta.graph_fake import (
    FakeGraph,
    V,
    graph_error,
    graph_page,
    graph_time,
)

IG_USER = "17841400000000001"


@dataclass
class FakeContainer:
    id: str
    fields: dict[str, str]
    created: float = field(default_factory=time.monotonic)
    polls: int = 0
    status_code: str = "IN_PROGRESS"
    error_subcode: int = 0
    media_id: str = ""


@dataclass
class FakeMedia:
    id: str
    caption: str
    media_type: str
    container_id: str
    timestamp: float = field(default_factory=time.time)

    @property
    def permalink(self) -> str:
        return f"https://www.instagram.com/p/FAKE{self.id[-6:]}/"


class FakeInstagram(InstagramInsights, FakeGraph):
    name = "instagram"
    # Meta downloads media from public https addresses (§2.2); the demo sandbox, all on
    # this machine, also accepts its own http:// media address.
    media_url_schemes: tuple[str, ...] = ("https://",)

    def __init__(self, **kwargs: Any) -> None:
        self.ig_user = IG_USER
        self.quota_total = 50  # "currently 50" in the content_publishing_limit reference
        self.containers: dict[str, FakeContainer] = {}
        self.media: dict[str, FakeMedia] = {}
        self._fail_next: list[int] = []
        super().__init__(**kwargs)

    @property
    def posts(self) -> list[FakeMedia]:
        with self.lock:
            return list(self.media.values())

    def fail_next_container(self, subcode: int = 2207026) -> None:
        with self.lock:
            self._fail_next.append(subcode)

    def routes(self) -> Sequence[Route]:
        user = rf"{V}/(?P<user>\d+)"
        return [
            self.oauth_route(),
            route("POST", f"{user}/media", self.authorized(self._create_container)),
            route("POST", f"{user}/media_publish", self.authorized(self._publish)),
            route("GET", f"{user}/media", self.authorized(self._list_media)),
            route("GET", f"{user}/content_publishing_limit", self.authorized(self._limit)),
            route("GET", rf"{V}/(?P<node>\d+)", self.authorized(self._node)),
            *self.insights_routes(),
        ]

    def _create_container(self, request: FakeRequest, match: re.Match[str]) -> FakeResponse:
        if match["user"] != self.ig_user:
            return graph_error(400, 100, "Unsupported post request", 33)
        form = request.form()
        url = form.get("image_url") or form.get("video_url") or ""
        if form.get("media_type") != "CAROUSEL" and not url.startswith(self.media_url_schemes):
            return graph_error(400, 9004, "Media download has failed", 2207052)
        if form.get("media_type") == "CAROUSEL" and not form.get("children"):
            return graph_error(400, 100, "children required")
        with self.lock:
            container = FakeContainer(id=str(17_890_000_000 + next(self.ids)), fields=form)
            if self._fail_next and form.get("is_carousel_item") != "true":
                container.error_subcode = self._fail_next.pop(0)
            self.containers[container.id] = container
        return FakeResponse(200, {"id": container.id})

    def _advance(self, container: FakeContainer) -> None:
        container.polls += 1
        if container.status_code != "IN_PROGRESS":
            return
        if self.processed(container.created, container.polls):
            container.status_code = "ERROR" if container.error_subcode else "FINISHED"

    def _node(self, request: FakeRequest, match: re.Match[str]) -> FakeResponse:
        with self.lock:
            container = self.containers.get(match["node"])
            if container is not None:
                self._advance(container)
                status = container.status_code
                if status == "ERROR":
                    status_text = (
                        f"Error: Media upload has failed with error code {container.error_subcode}"
                    )
                else:
                    status_text = status.title()
                return FakeResponse(
                    200, {"id": container.id, "status_code": status, "status": status_text}
                )
            media = self.media.get(match["node"])
            if media is not None:
                return FakeResponse(200, {"id": media.id, "permalink": media.permalink})
        return graph_error(400, 100, "Unsupported get request", 33)

    def _limit(self, request: FakeRequest, match: re.Match[str]) -> FakeResponse:
        with self.lock:
            day_ago = time.time() - 86400
            usage = sum(1 for media in self.media.values() if media.timestamp >= day_ago)
        config = {"quota_total": self.quota_total, "quota_duration": 86400}
        return FakeResponse(200, {"data": [{"quota_usage": usage, "config": config}]})

    def _publish(self, request: FakeRequest, match: re.Match[str]) -> FakeResponse:
        with self.lock:
            container = self.containers.get(request.form().get("creation_id", ""))
            if container is None:
                return graph_error(400, 100, "Invalid parameter", 2207008)
            if container.status_code != "FINISHED":
                return graph_error(400, 9007, "Media ID is not available", 2207027)
            if (
                sum(1 for m in self.media.values() if m.timestamp >= time.time() - 86400)
                >= self.quota_total
            ):
                return graph_error(400, 9, "Application request limit reached", 2207042)
            media = FakeMedia(
                id=str(17_900_000_000 + next(self.ids)),
                caption=container.fields.get("caption", ""),
                media_type=container.fields.get("media_type", "IMAGE"),
                container_id=container.id,
            )
            self.media[media.id] = media
            container.status_code, container.media_id = "PUBLISHED", media.id
        return FakeResponse(200, {"id": media.id})

    def _list_media(self, request: FakeRequest, match: re.Match[str]) -> FakeResponse:
        with self.lock:
            listed = list(reversed(self.media.values()))
        items = [
            {
                "id": media.id,
                "caption": media.caption,
                "timestamp": graph_time(media.timestamp),
                "permalink": media.permalink,
            }
            for media in listed
        ]
        times = [media.timestamp for media in listed] if self.time_paging else None
        return graph_page(items, request, base_url=self.url, times=times)


if __name__ == "__main__":
    run_standalone(FakeInstagram, sys.argv[1:])
