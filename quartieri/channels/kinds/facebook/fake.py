"""A local Facebook Pages API (publishing) for tests and the demo sandbox (§3).

Feed posts, photos (published or not, attached to a feed post), videos by URL processed
after ``processing_polls`` reads (or failing after ``fail_next_video()``), the Page's recent
posts, and the long-lived token exchange. ``posts`` records every visible post.

    python -m quartieri.channels.kinds.facebook.fake --port 8773
"""

from __future__ import annotations

import json
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
from quartieri.channels.kinds.fake_insights import FacebookInsights
from quartieri.channels.kinds.meta.graph_fake import (
    FakeGraph,
    V,
    graph_error,
    graph_page,
    graph_time,
)

PAGE_ID = "104000000000001"


@dataclass
class FakePost:
    id: str
    message: str
    kind: str  # "feed", "photo", "video"
    attached: list[str] = field(default_factory=list)
    link: str = ""
    created: float = field(default_factory=time.time)

    @property
    def permalink(self) -> str:
        return f"https://www.facebook.com/{self.id.replace('_', '/posts/')}"


@dataclass
class FakeVideo:
    id: str
    post_id: str
    created: float = field(default_factory=time.monotonic)
    polls: int = 0
    status: str = "processing"
    fails: bool = False


class FakeFacebook(FacebookInsights, FakeGraph):
    name = "facebook"
    # Public https addresses only, as Meta; the demo sandbox also accepts its own http://.
    media_url_schemes: tuple[str, ...] = ("https://",)

    def __init__(self, **kwargs: Any) -> None:
        self.page_id = PAGE_ID
        self.posts: list[FakePost] = []
        self.photos: dict[str, bool] = {}  # photo id -> published
        self.videos: dict[str, FakeVideo] = {}
        self._fail_videos = 0
        super().__init__(**kwargs)

    def fail_next_video(self) -> None:
        with self.lock:
            self._fail_videos += 1

    def routes(self) -> Sequence[Route]:
        page = rf"{V}/(?P<page>\d+)"
        return [
            self.oauth_route(),
            route("POST", f"{page}/feed", self.authorized(self._feed)),
            route("POST", f"{page}/photos", self.authorized(self._photos)),
            route("POST", f"{page}/videos", self.authorized(self._videos)),
            route("GET", f"{page}/posts", self.authorized(self._list_posts)),
            route("GET", rf"{V}/(?P<node>\d+(_\d+)?)", self.authorized(self._node)),
            *self.insights_routes(),
        ]

    def _check_page(self, match: re.Match[str]) -> FakeResponse | None:
        if match["page"] != self.page_id:
            return graph_error(403, 200, "(#200) Requires pages_manage_posts permission")
        return None

    def _new_post(self, message: str, kind: str, **extra: Any) -> FakePost:
        post = FakePost(id=f"{self.page_id}_{next(self.ids)}", message=message, kind=kind, **extra)
        with self.lock:
            self.posts.append(post)
        return post

    def _feed(self, request: FakeRequest, match: re.Match[str]) -> FakeResponse:
        form = request.form()
        problem = self._check_page(match)
        if problem:
            return problem
        if not form.get("message") and not form.get("link") and not form.get("attached_media"):
            return graph_error(400, 100, "(#100) message, link or attached_media required")
        attached = [item["media_fbid"] for item in json.loads(form.get("attached_media") or "[]")]
        with self.lock:
            if any(self.photos.get(photo_id) is not False for photo_id in attached):
                return graph_error(400, 100, "(#100) attached_media must be unpublished photos")
        post = self._new_post(
            form.get("message", ""), "feed", attached=attached, link=form.get("link", "")
        )
        return FakeResponse(200, {"id": post.id})

    def _photos(self, request: FakeRequest, match: re.Match[str]) -> FakeResponse:
        form = request.form()
        problem = self._check_page(match)
        if problem:
            return problem
        if not form.get("url", "").startswith(self.media_url_schemes):
            return graph_error(400, 324, "(#324) Missing or invalid image file")
        photo_id = str(500_000_000 + next(self.ids))
        published = form.get("published", "true") != "false"
        with self.lock:
            self.photos[photo_id] = published
        if not published:
            return FakeResponse(200, {"id": photo_id})
        post = self._new_post(form.get("caption", ""), "photo", attached=[photo_id])
        return FakeResponse(200, {"id": photo_id, "post_id": post.id})

    def _videos(self, request: FakeRequest, match: re.Match[str]) -> FakeResponse:
        form = request.form()
        problem = self._check_page(match)
        if problem:
            return problem
        if not form.get("file_url", "").startswith(self.media_url_schemes):
            return graph_error(400, 100, "(#100) file_url must be a public https address")
        post = self._new_post(form.get("description", ""), "video")
        with self.lock:
            video = FakeVideo(id=str(900_000_000 + next(self.ids)), post_id=post.id)
            if self._fail_videos:
                self._fail_videos -= 1
                video.fails = True
            self.videos[video.id] = video
        return FakeResponse(200, {"id": video.id})

    def _node(self, request: FakeRequest, match: re.Match[str]) -> FakeResponse:
        node = match["node"]
        with self.lock:
            video = self.videos.get(node)
            if video is not None:
                return FakeResponse(200, self._video_answer(video))
            post = next((p for p in self.posts if p.id == node), None)
        if post is None:
            return graph_error(400, 100, "(#100) Unsupported get request", 33)
        return FakeResponse(200, {"id": post.id, "permalink_url": post.permalink})

    def _video_answer(self, video: FakeVideo) -> dict[str, Any]:
        video.polls += 1
        if video.status == "processing" and self.processed(video.created, video.polls):
            video.status = "error" if video.fails else "ready"
            if video.fails:
                self.posts = [p for p in self.posts if p.id != video.post_id]
        return {
            "id": video.id,
            "status": {"video_status": video.status},
            "permalink_url": f"https://www.facebook.com/watch/?v={video.id}",
        }

    def _list_posts(self, request: FakeRequest, match: re.Match[str]) -> FakeResponse:
        since = float(request.param("since") or 0)
        with self.lock:
            listed = [
                post
                for post in reversed(self.posts)
                if post.created >= since and self.on_page(post, match["page"])
            ]
        items = [
            {
                "id": post.id,
                "message": post.message,
                "created_time": graph_time(post.created),
                "permalink_url": post.permalink,
            }
            for post in listed
        ]
        times = [post.created for post in listed] if self.time_paging else None
        return graph_page(items, request, base_url=self.url, times=times)

    def on_page(self, post: FakePost, page: str) -> bool:
        return True  # one Page (a subclass may serve several)


if __name__ == "__main__":
    run_standalone(FakeFacebook, sys.argv[1:])
