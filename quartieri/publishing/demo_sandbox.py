"""The demo sandbox's servers: local fakes of TikTok and Meta that a sandbox platform
publishes to (``quartieri sandbox``, started by ``quartieri serve`` in a sandbox).

- ``SANDBOX_PORT``: the TikTok fake (``SandboxTikTok``);
- ``SANDBOX_PORT + 1``: the Meta Graph address. Instagram and Facebook share one host in
  real life (``settings.META_GRAPH_URL``), so ``SandboxMeta`` routes each request to an
  Instagram fake per IG user id or a Facebook fake per Page id (made on first use, so any
  account connected to the sandbox works), by the path's edge (``/media`` → Instagram,
  ``/feed`` → Facebook) or by which fake knows the node id.

The fakes keep their posts in memory (restarting the sandbox forgets them) and never fetch
media. The permalinks they hand out point to the viewer (``publishing.sandbox``). A demo
module: production code never imports it (import-linter); only the ``sandbox`` command does.
"""

from __future__ import annotations

import itertools
import re
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings

from quartieri.channels.connectors.fakeserver import (
    FakeRequest,
    FakeResponse,
    FakeServer,
    Fault,
    FaultKind,
    Route,
)
from quartieri.channels.kinds.facebook.fake import FakeFacebook
from quartieri.channels.kinds.instagram.fake import FakeInstagram
from quartieri.channels.kinds.meta.graph_fake import FakeGraph, V, graph_error
from quartieri.channels.kinds.tiktok.fake import FakeTikTok
from quartieri.channels.registry import Platform
from quartieri.publishing.sandbox import sandbox_viewer_base

# How long the fakes take to "process" a post: long enough to see it in progress.
PROCESSING_SECONDS = 2.0


def _id_start() -> int:
    # Ids that a restarted sandbox does not hand out again (its counters would restart at
    # 1, and a new post would take the id of one the outbox already knows).
    return int(time.time())


def _with_viewer_links(body: Any, *, platform: str, viewer: str) -> Any:
    """Point every ``permalink``/``permalink_url`` of a Graph answer at the viewer."""
    if isinstance(body, list):
        return [_with_viewer_links(item, platform=platform, viewer=viewer) for item in body]
    if not isinstance(body, dict):
        return body
    fixed = {
        key: _with_viewer_links(value, platform=platform, viewer=viewer)
        for key, value in body.items()
    }
    for key in ("permalink", "permalink_url"):
        if key in fixed and "id" in fixed:
            fixed[key] = f"{viewer}{platform}/{fixed['id']}/"
    return fixed


# --- The fakes as the sandbox runs them ------------------------------------------------------
class SandboxTikTok(FakeTikTok):
    """The TikTok fake, describing its posts, remembering their options, and renewing any
    refresh token (a restarted sandbox no longer knows the ones it rotated)."""

    def __init__(self, **kwargs: Any) -> None:
        self.post_options: dict[str, dict[str, Any]] = {}
        super().__init__(**kwargs)
        self._ids = itertools.count(_id_start())

    def _video_init(self, request: FakeRequest, match: re.Match[str]) -> FakeResponse:
        return self._remember(request, super()._video_init(request, match))

    def _content_init(self, request: FakeRequest, match: re.Match[str]) -> FakeResponse:
        return self._remember(request, super()._content_init(request, match))

    def _remember(self, request: FakeRequest, response: FakeResponse) -> FakeResponse:
        data = response.body.get("data") if isinstance(response.body, dict) else None
        if isinstance(data, dict) and data.get("publish_id"):
            post_info = request.json().get("post_info") or {}
            options = {k: v for k, v in post_info.items() if k not in ("title", "description")}
            with self.lock:
                self.post_options[str(data["publish_id"])] = options
        return response

    def _oauth_token(self, request: FakeRequest, match: re.Match[str]) -> FakeResponse:
        with self.lock:
            self.refresh_tokens.add(request.form().get("refresh_token", ""))
        return super()._oauth_token(request, match)

    def sandbox_posts(self) -> list[dict[str, Any]]:
        return [
            {
                "id": publish.publish_id,
                "aliases": [publish.post_id] if publish.post_id else [],
                "account": "",
                "kind": publish.kind,
                "text": publish.title if publish.kind == "video" else publish.description,
                "title": publish.title if publish.kind == "photo" else "",
                "media": _tiktok_media(publish.source, uploaded=len(publish.uploaded)),
                "options": self.post_options.get(publish.publish_id, {}),
                "created": publish.created_unix,
                "status": publish.status,
            }
            for publish in self.publishes.values()
            if publish.upload_complete and not publish.fail_reason
        ]


def _tiktok_media(source: dict[str, Any], *, uploaded: int) -> list[dict[str, Any]]:
    if source.get("source") == "FILE_UPLOAD":
        return [{"url": "", "kind": "video", "bytes": uploaded}]
    urls = source.get("photo_images") or [source.get("video_url", "")]
    kind = "image" if source.get("photo_images") else "video"
    return [{"url": str(url), "kind": kind} for url in urls]


class SandboxInstagram(FakeInstagram):
    media_url_schemes = ("https://", "http://")  # the sandbox's media are on this machine

    def __init__(self, *, ig_user: str, viewer: str, **kwargs: Any) -> None:
        self.viewer = viewer
        super().__init__(**kwargs)
        self.ig_user = ig_user

    def knows(self, node: str) -> bool:
        return node in self.containers or node in self.media

    def dispatch(self, request: FakeRequest) -> tuple[FakeResponse, Fault | None]:
        response, fault = super().dispatch(request)
        response.body = _with_viewer_links(
            response.body, platform=Platform.INSTAGRAM, viewer=self.viewer
        )
        return response, fault

    def _media_of(self, fields: dict[str, str]) -> list[dict[str, Any]]:
        if fields.get("media_type") == "CAROUSEL":
            children = [
                self.containers.get(child) for child in fields.get("children", "").split(",")
            ]
            return [m for child in children if child for m in self._media_of(child.fields)]
        if fields.get("video_url"):
            return [{"url": fields["video_url"], "kind": "video"}]
        return [
            {"url": fields.get("image_url", ""), "kind": "image", "alt": fields.get("alt_text", "")}
        ]

    def sandbox_posts(self) -> list[dict[str, Any]]:
        posts = []
        for media in self.media.values():
            fields = self.containers[media.container_id].fields
            options = {
                key: value
                for key, value in fields.items()
                if key in ("media_type", "alt_text", "share_to_feed", "cover_url")
            }
            posts.append(
                {
                    "id": media.id,
                    "aliases": [media.container_id],
                    "account": self.ig_user,
                    "kind": media.media_type.lower(),
                    "text": media.caption,
                    "media": self._media_of(fields),
                    "options": options,
                    "created": media.timestamp,
                    "status": "PUBLISHED",
                }
            )
        return posts


class SandboxFacebook(FakeFacebook):
    media_url_schemes = ("https://", "http://")

    def __init__(self, *, page_id: str, viewer: str, **kwargs: Any) -> None:
        self.viewer = viewer
        self.media_urls: dict[str, tuple[str, str]] = {}  # photo/video id -> (url, kind)
        super().__init__(**kwargs)
        self.page_id = page_id

    def knows(self, node: str) -> bool:
        return node in self.videos or node in self.photos or any(p.id == node for p in self.posts)

    def dispatch(self, request: FakeRequest) -> tuple[FakeResponse, Fault | None]:
        response, fault = super().dispatch(request)
        response.body = _with_viewer_links(
            response.body, platform=Platform.FACEBOOK, viewer=self.viewer
        )
        return response, fault

    def _photos(self, request: FakeRequest, match: re.Match[str]) -> FakeResponse:
        return self._keep_url(
            super()._photos(request, match), request.form().get("url", ""), "image"
        )

    def _videos(self, request: FakeRequest, match: re.Match[str]) -> FakeResponse:
        return self._keep_url(
            super()._videos(request, match), request.form().get("file_url", ""), "video"
        )

    def _keep_url(self, response: FakeResponse, url: str, kind: str) -> FakeResponse:
        if response.status == 200 and isinstance(response.body, dict):
            with self.lock:
                self.media_urls[str(response.body["id"])] = (url, kind)
        return response

    def sandbox_posts(self) -> list[dict[str, Any]]:
        videos = {video.post_id: video.id for video in self.videos.values()}
        posts = []
        for post in self.posts:
            media_ids = [*post.attached, *([videos[post.id]] if post.id in videos else [])]
            media = [self.media_urls.get(media_id, ("", "image")) for media_id in media_ids]
            posts.append(
                {
                    "id": post.id,
                    "aliases": media_ids,
                    "account": self.page_id,
                    "kind": post.kind,
                    "text": post.message,
                    "media": [{"url": url, "kind": kind} for url, kind in media],
                    "options": {"link": post.link} if post.link else {},
                    "created": post.created,
                    "status": "PUBLISHED",
                }
            )
        return posts


_GRAPH_PATH = re.compile(rf"^{V}/(?P<node>[\d_]+)(?:/(?P<edge>\w+))?$")
_INSTAGRAM_EDGES = {"media", "media_publish", "content_publishing_limit"}
_FACEBOOK_EDGES = {"feed", "photos", "videos", "posts"}
_ACCOUNT_EDGES = {"insights"}  # both platforms' accounts have them


def _looks_instagram(node: str) -> bool:
    # Instagram professional account ids start 17841 (the demo's do); Pages' do not.
    return node.startswith("17841")


class SandboxMeta(FakeGraph):
    """One Graph address for every Instagram user and Facebook Page of the sandbox."""

    name = "meta"

    def __init__(self, *, viewer: str, host: str = "127.0.0.1", port: int = 0) -> None:
        self.viewer = viewer
        self.instagram: dict[str, SandboxInstagram] = {}
        self.facebook: dict[str, SandboxFacebook] = {}
        super().__init__(host=host, port=port, processing_seconds=PROCESSING_SECONDS)
        # One counter for every child, so no two of them hand out the same id.
        self.ids = itertools.count(_id_start())

    def routes(self) -> list[Route]:
        return [self.oauth_route()]

    def dispatch(self, request: FakeRequest) -> tuple[FakeResponse, Fault | None]:
        child = self._child(request.path)
        if child is None:
            return super().dispatch(request)  # the token exchange, the listing, 404
        return child.dispatch(request)

    def _child(self, path: str) -> FakeGraph | None:
        found = _GRAPH_PATH.match(path)
        if found is None:
            return None
        node, edge = found["node"], found["edge"]
        with self.lock:
            known = self.instagram.get(node) or self.facebook.get(node)
            if known is not None:  # an account's own edges (insights too)
                return known
            if edge in _INSTAGRAM_EDGES or (edge in _ACCOUNT_EDGES and _looks_instagram(node)):
                return self.instagram_user(node)
            if edge in _FACEBOOK_EDGES or edge in _ACCOUNT_EDGES:
                return self.facebook_page(node)
            children: list[SandboxInstagram | SandboxFacebook] = [
                *self.instagram.values(),
                *self.facebook.values(),
            ]
            return next((child for child in children if child.knows(node)), None)

    def _adopt[F: FakeGraph](self, child: F) -> F:
        child.detach()
        child.ids = self.ids
        child.processing_seconds = self.processing_seconds
        return child

    def instagram_user(self, ig_user: str) -> SandboxInstagram:
        """The fake of one Instagram account (made on first use), e.g. to inject a fault."""
        with self.lock:
            if ig_user not in self.instagram:
                child = SandboxInstagram(ig_user=ig_user, viewer=self.viewer)
                self.instagram[ig_user] = self._adopt(child)
            return self.instagram[ig_user]

    def facebook_page(self, page_id: str) -> SandboxFacebook:
        """The fake of one Facebook Page (made on first use), e.g. to inject a fault."""
        with self.lock:
            if page_id not in self.facebook:
                child = SandboxFacebook(page_id=page_id, viewer=self.viewer)
                self.facebook[page_id] = self._adopt(child)
            return self.facebook[page_id]

    def sandbox_posts(self) -> list[dict[str, Any]]:
        posts: list[dict[str, Any]] = []
        for child in [*self.instagram.values(), *self.facebook.values()]:
            with child.lock:
                posts.extend({**post, "platform": child.name} for post in child.sandbox_posts())
        return posts

    def error_response(self, kind: FaultKind, fault: Fault | None = None) -> FakeResponse:
        return graph_error(500, 2, "An unexpected error has occurred. Please retry your request.")


@dataclass
class Sandbox:
    """The two servers of the sandbox, started and stopped together."""

    tiktok: SandboxTikTok
    meta: SandboxMeta
    servers: list[FakeServer] = field(default_factory=list)

    def start(self) -> Sandbox:
        self.servers = [self.tiktok.start(), self.meta.start()]
        return self

    def stop(self) -> None:
        for server in self.servers:
            server.stop()


def sandbox_build(*, host: str = "127.0.0.1", port: int | None = None) -> Sandbox:
    """The sandbox's fakes on ``port`` (TikTok) and ``port + 1`` (Meta), not yet started."""
    port = settings.SANDBOX_PORT if port is None else port
    viewer = sandbox_viewer_base()
    media = settings.PUBLISHING_MEDIA_URL or settings.SANDBOX_MEDIA_URL
    tiktok = SandboxTikTok(
        host=host,
        port=port,
        processing_seconds=PROCESSING_SECONDS,
        verified_url_prefixes=(media,),
        client_key=settings.TIKTOK_CLIENT_KEY or "fake-client-key",
        client_secret=settings.TIKTOK_CLIENT_SECRET or "fake-client-secret",
    )
    meta = SandboxMeta(viewer=viewer, host=host, port=port + 1 if port else 0)
    return Sandbox(tiktok=tiktok, meta=meta)


def sandbox_serve(sandbox: Sandbox, *, stop: threading.Event) -> None:
    """Run until ``stop`` is set (the command sets it on SIGTERM/SIGINT)."""
    sandbox.start()
    try:
        stop.wait()
    finally:
        sandbox.stop()
