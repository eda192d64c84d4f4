"""The one settings module of quartieri, driven by environment variables.

Defaults give the embedded platform (SQLite and the database task worker under ./var/);
``DATABASE_URL`` and ``REDIS_URL`` switch to PostgreSQL and RQ on Redis. Every variable is
listed in docs/operations.md.
"""

from __future__ import annotations

import os
from importlib.resources import files
from importlib.util import find_spec
from pathlib import Path
from typing import Any, cast
from urllib.parse import urlsplit

import dj_database_url
import django_stubs_ext
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

from quartieri.lib.env import (
    LOOPBACK_HOSTS,
    env_bool,
    env_int,
    env_list,
    env_secret,
    env_str,
    env_url,
)

django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(env_str("QUARTIERI_DATA_DIR", str(BASE_DIR / "var"))).resolve()

DEBUG = env_bool("QUARTIERI_DEBUG", default=False)
SECRET_KEY = env_secret("QUARTIERI_SECRET_KEY", data_dir=DATA_DIR, filename="secret_key")
# Keys for secrets at rest (platform tokens), newest first: the first encrypts, every one
# decrypts, so a key is rotated by putting the new one in front (quartieri.lib.crypto).
ENCRYPTION_KEYS = env_list("QUARTIERI_ENCRYPTION_KEYS", []) or [
    env_secret("QUARTIERI_ENCRYPTION_KEY", data_dir=DATA_DIR, filename="encryption_key")
]

# The address people use to reach this platform; https turns on every transport protection.
PUBLIC_URL = env_url("QUARTIERI_PUBLIC_URL", "http://127.0.0.1:8000", schemes=("http", "https"))
_public = urlsplit(PUBLIC_URL)
HTTPS = _public.scheme == "https"
if not HTTPS and not DEBUG and _public.hostname not in LOOPBACK_HOSTS:
    raise ImproperlyConfigured(
        f"QUARTIERI_PUBLIC_URL={PUBLIC_URL!r} must use https:// for a host other than this machine"
    )
ALLOWED_HOSTS = env_list(
    "QUARTIERI_ALLOWED_HOSTS", sorted({_public.hostname or "127.0.0.1", "127.0.0.1", "localhost"})
)
CSRF_TRUSTED_ORIGINS = [f"{_public.scheme}://{_public.netloc}"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "axes",
    "quartieri.core",
    "quartieri.accounts",
    # Domain apps are added below by their issues, one line each.
    "quartieri.channels",
    "quartieri.audiences",
    "quartieri.planner",
    "quartieri.publishing",
    "quartieri.analytics",
    "quartieri.places",
    "quartieri.campaigns",
    "quartieri.posters",
    "quartieri.minisites",
    "quartieri.screens",
    "quartieri.newsletter",
    "quartieri.notifications",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "quartieri.urls"
WSGI_APPLICATION = "quartieri.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "accounts:login"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "quartieri" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "quartieri.core.context_processors.navigation",
                "quartieri.notifications.context_processors.bell",
            ],
        },
    }
]
# Form fields are drawn by one Bootstrap Italia template (quartieri/core/forms.py).
FORM_RENDERER = "quartieri.core.forms.FieldGroupRenderer"

# --- Database -------------------------------------------------------------------------
_DEFAULT_DB = f"sqlite:///{DATA_DIR / 'quartieri.sqlite3'}"
_database_url = env_str("DATABASE_URL", _DEFAULT_DB)
if urlsplit(_database_url).scheme not in {"sqlite", "postgres", "postgresql"}:
    raise ImproperlyConfigured(
        f"DATABASE_URL={_database_url!r} must start with sqlite:// or postgresql://"
    )
DATABASES = {"default": dj_database_url.parse(_database_url, conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web process read while the worker writes; IMMEDIATE avoids the
    # "database is locked" upgrade deadlock when two processes start writing at once. The
    # busy timeout outlasts the longest call made inside a transaction (a token refresh holds
    # its row while the platform answers, up to the 30 s HTTP read timeout).
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 60,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Background tasks -----------------------------------------------------------------
REDIS_URL = env_str("REDIS_URL", "")
TASK_QUEUES = ["default", "publishing", "newsletter", "insights"]
if REDIS_URL:
    env_url("REDIS_URL", REDIS_URL, schemes=("redis", "rediss", "unix"))
    INSTALLED_APPS += ["django_rq"]
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": TASK_QUEUES}}
    RQ_QUEUES = {name: {"URL": REDIS_URL, "DEFAULT_TIMEOUT": 3600} for name in TASK_QUEUES}
    # How often an RQ worker without the scheduler's lock tries to take it (RQ's own default
    # is 10 minutes): see quartieri.core.rq_worker.
    RQ_MAINTENANCE_SECONDS = env_int("QUARTIERI_RQ_MAINTENANCE_SECONDS", default=30, minimum=2)
else:
    INSTALLED_APPS += ["django_tasks_db"]
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": TASK_QUEUES}}
TASK_BACKEND_NAME = "rq" if REDIS_URL else "db"
# A worker writes a heartbeat every WORKER_HEARTBEAT_SECONDS; one silent for
# WORKER_STALE_SECONDS is dead and the sweeper re-queues the tasks it was running.
WORKER_HEARTBEAT_SECONDS = env_int("QUARTIERI_WORKER_HEARTBEAT_SECONDS", default=5, minimum=1)
WORKER_STALE_SECONDS = env_int("QUARTIERI_WORKER_STALE_SECONDS", default=30, minimum=2)
if WORKER_STALE_SECONDS <= WORKER_HEARTBEAT_SECONDS:
    raise ImproperlyConfigured(
        "QUARTIERI_WORKER_STALE_SECONDS must be larger than QUARTIERI_WORKER_HEARTBEAT_SECONDS"
    )
# Task threads per `quartieri worker` process (database backend): publishing tasks mostly
# wait for platform answers, so a few threads overlap that waiting. Each holds a connection.
WORKER_THREADS = env_int("QUARTIERI_WORKER_THREADS", default=1, minimum=1)
# Platform insights (docs/publishing.md, Insights): once a day, from INSIGHTS_HOUR
# (Europe/Rome), the figures of posts published in the last INSIGHTS_POST_DAYS days (4 weeks,
# our choice: a post is followed through a month of its campaign while the calls made each
# day stay bounded, one or more per post) and each account's figures of the last
# INSIGHTS_ACCOUNT_DAYS complete days (Meta's figures arrive up to 48 h late,
# platform-apis.md §2.4: later runs correct them).
INSIGHTS_POST_DAYS = env_int("QUARTIERI_INSIGHTS_POST_DAYS", default=28, minimum=1)
INSIGHTS_ACCOUNT_DAYS = env_int("QUARTIERI_INSIGHTS_ACCOUNT_DAYS", default=3, minimum=1)
INSIGHTS_HOUR = env_int("QUARTIERI_INSIGHTS_HOUR", default=6)
# Off: the workers never start the pull (a deployment that runs `quartieri insights pull`
# from cron instead, or a test platform that must not read figures on its own).
INSIGHTS_DAILY = env_bool("QUARTIERI_INSIGHTS_DAILY", default=True)
if INSIGHTS_HOUR > 23:
    raise ImproperlyConfigured(f"QUARTIERI_INSIGHTS_HOUR={INSIGHTS_HOUR} must be an hour, 0-23")

# --- Measurement: tracked links and page views (docs/analytics.md) --------------------
# Sites whose pages may send page views to /a/pv (their Origin), besides this platform's
# own (mini-sites served under /q/); tracked links may point at these sites, this platform
# and the domains of LINK_ALLOWED_DOMAINS (a domain allows its subdomains too).
ANALYTICS_SITE_ORIGINS = [o.rstrip("/") for o in env_list("QUARTIERI_ANALYTICS_SITE_ORIGINS", [])]
for _origin in ANALYTICS_SITE_ORIGINS:
    _parts = urlsplit(_origin)
    if _parts.scheme not in {"http", "https"} or not _parts.hostname or _parts.path:
        raise ImproperlyConfigured(
            f"QUARTIERI_ANALYTICS_SITE_ORIGINS: {_origin!r} is not an origin like https://site.example"
        )
LINK_ALLOWED_DOMAINS = [d.lower() for d in env_list("QUARTIERI_LINK_ALLOWED_DOMAINS", [])]
# Events wait in memory at most ANALYTICS_FLUSH_MS before a background thread writes them,
# ANALYTICS_BATCH_MAX at a time; a write waits ANALYTICS_DB_TIMEOUT_MS for the database
# before the batch goes to the disk spool (replayed when the database answers again).
ANALYTICS_FLUSH_MS = env_int("QUARTIERI_ANALYTICS_FLUSH_MS", default=500, minimum=10)
ANALYTICS_BATCH_MAX = env_int("QUARTIERI_ANALYTICS_BATCH_MAX", default=5000, minimum=1)
ANALYTICS_DB_TIMEOUT_MS = env_int("QUARTIERI_ANALYTICS_DB_TIMEOUT_MS", default=2000, minimum=10)
ANALYTICS_SPOOL_DIR = Path(
    env_str("QUARTIERI_ANALYTICS_SPOOL_DIR", str(DATA_DIR / "analytics-spool"))
).resolve()
# A deleted or changed link stops answering, in every web process, within this many seconds.
ANALYTICS_LINK_CACHE_SECONDS = env_int("QUARTIERI_LINK_CACHE_SECONDS", default=5, minimum=1)
# Raw redirects and page views are deleted after this many days; roll-ups are kept.
ANALYTICS_RAW_RETENTION_DAYS = env_int("QUARTIERI_ANALYTICS_RETENTION_DAYS", default=90, minimum=1)
ANALYTICS_BEACON_MAX_BYTES = 4096

# --- Authentication and brute-force protection ----------------------------------------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AXES_FAILURE_LIMIT = env_int("QUARTIERI_LOGIN_FAILURE_LIMIT", default=5, minimum=1)
AXES_COOLOFF_TIME = env_int("QUARTIERI_LOGIN_LOCKOUT_MINUTES", default=15, minimum=1) / 60
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# Axes stores a pseudonym of the client address, never the address itself, and no user
# agent or Accept header (our handler blanks them). No access log of successful sign-ins:
# nothing reads it, and it would keep one row per sign-in for ever.
AXES_CLIENT_IP_CALLABLE = "quartieri.accounts.privacy.pseudonymous_client_ip"
AXES_HANDLER = "quartieri.accounts.privacy.PrivateAxesHandler"
AXES_DISABLE_ACCESS_LOG = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_HTTP_RESPONSE_CODE = 429

# --- Security headers -----------------------------------------------------------------
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SECURE_SSL_REDIRECT = HTTPS and env_bool("QUARTIERI_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = env_int("QUARTIERI_HSTS_SECONDS", default=31_536_000) if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https")
    if env_bool("QUARTIERI_BEHIND_PROXY", default=False)
    else None
)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# The demo sandbox (docs/publishing.md): `quartieri demo` marks its data folder, and every
# process started on it then publishes to local fakes of TikTok and Meta that `quartieri
# serve` runs on SANDBOX_PORT (TikTok) and SANDBOX_PORT + 1 (Instagram and Facebook); the
# settings below default to them, so nothing reaches the platforms. QUARTIERI_SANDBOX=1/0
# overrides the mark; an explicit API URL or app key setting still wins.
SANDBOX_MARKER = DATA_DIR / "sandbox"
SANDBOX = env_bool("QUARTIERI_SANDBOX", default=SANDBOX_MARKER.is_file())
DEMO_SANDBOX = env_bool("QUARTIERI_SANDBOX", default=True)  # may `quartieri demo` mark it?
SANDBOX_PORT = env_int("QUARTIERI_SANDBOX_PORT", default=8771, minimum=1024)
# How long after loading `quartieri demo --from-today` its live post is due (tests shorten it).
DEMO_LIVE_DELAY_SECONDS = env_int("QUARTIERI_DEMO_LIVE_DELAY_SECONDS", default=60, minimum=5)
# The sandbox's media address: this platform's own /media/ (the fakes never fetch it).
SANDBOX_MEDIA_URL = f"{PUBLIC_URL}/media/"


def _unless_sandbox(real: str, sandbox: str) -> str:
    return sandbox if SANDBOX else real


# Each external platform's API base is a setting, so any server that speaks the documented
# contract (the local fakes in tests and the demo sandbox) can stand in for it.
TIKTOK_API_URL = env_url(
    "QUARTIERI_TIKTOK_API_URL",
    _unless_sandbox("https://open.tiktokapis.com", f"http://127.0.0.1:{SANDBOX_PORT}"),
    schemes=("http", "https"),
)
META_GRAPH_URL = env_url(
    "QUARTIERI_META_GRAPH_URL",
    _unless_sandbox("https://graph.facebook.com", f"http://127.0.0.1:{SANDBOX_PORT + 1}"),
    schemes=("http", "https"),
)
# Where the browser is sent to authorise quartieri (OAuth connect): TikTok Login Kit's
# authorize page and Facebook Login's dialog; the local fakes (which also serve these
# pages, answering at once) stand in for them in tests and the sandbox.
TIKTOK_AUTH_URL = env_url(
    "QUARTIERI_TIKTOK_AUTH_URL",
    _unless_sandbox("https://www.tiktok.com", f"http://127.0.0.1:{SANDBOX_PORT}"),
    schemes=("http", "https"),
)
META_DIALOG_URL = env_url(
    "QUARTIERI_META_DIALOG_URL",
    _unless_sandbox("https://www.facebook.com", f"http://127.0.0.1:{SANDBOX_PORT + 1}"),
    schemes=("http", "https"),
)
SPOTIFY_API_URL = env_url(
    "QUARTIERI_SPOTIFY_API_URL",
    # No Spotify fake runs in the sandbox: port 9 (discard) refuses, locally.
    _unless_sandbox("https://api.spotify.com", "http://127.0.0.1:9"),
    schemes=("http", "https"),
)
# The platform apps' own keys, needed to renew an account's token (never the tokens
# themselves, which are stored encrypted per account). The sandbox uses the fakes' keys.
TIKTOK_CLIENT_KEY = env_str("QUARTIERI_TIKTOK_CLIENT_KEY", _unless_sandbox("", "fake-client-key"))
TIKTOK_CLIENT_SECRET = env_str(
    "QUARTIERI_TIKTOK_CLIENT_SECRET", _unless_sandbox("", "fake-client-secret")
)
META_APP_ID = env_str("QUARTIERI_META_APP_ID", _unless_sandbox("", "fake-app"))
META_APP_SECRET = env_str("QUARTIERI_META_APP_SECRET", _unless_sandbox("", "fake-app-secret"))
# Public base URL of uploaded media, for platforms that fetch media by URL (TikTok
# PULL_FROM_URL from a verified domain, Instagram, Facebook).
PUBLISHING_MEDIA_URL = env_str("QUARTIERI_MEDIA_PUBLIC_URL", _unless_sandbox("", SANDBOX_MEDIA_URL))
MAP_TILE_URL = env_str("QUARTIERI_MAP_TILE_URL", "https://tile.openstreetmap.org/{z}/{x}/{y}.png")
_tile_origin = "{0.scheme}://{0.netloc}".format(urlsplit(MAP_TILE_URL.replace("{s}", "a")))
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    # The two <style> elements Bootstrap Italia 2.18's bundle injects (its video player's
    # defaults, and an empty one); any other inline style stays blocked.
    "style-src": [
        CSP.SELF,
        "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='",
        "'sha256-wPXhisdsFu1DtHYH1D9W5isSGqS5vIPn6QJWSNLqfCM='",
    ],
    "img-src": [CSP.SELF, "data:", _tile_origin],
    # Bootstrap Italia's CSS embeds one icon font as a data: URI.
    "font-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

# --- Languages and time ---------------------------------------------------------------
LANGUAGE_CODE = "it"
# Each language is named in itself, as a language switcher should show it.
LANGUAGES = [("it", "Italiano"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "quartieri" / "locale"]
TIME_ZONE = "Europe/Rome"
USE_I18N = True
USE_TZ = True

# --- Files ----------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise warns on every start without it
MEDIA_URL = "/media/"
MEDIA_ROOT = DATA_DIR / "media"
BUILD_ROOT = DATA_DIR / "build"
BOOTSTRAP_ITALIA_STATIC = Path(str(files("bootstrap_italia_template") / "static"))
# Only the parts of Bootstrap Italia that pages load: its ~300 plugin sources and source
# maps would triple the work of every collectstatic.
STATICFILES_DIRS = [
    BASE_DIR / "quartieri" / "static",
    *[
        (f"vendor/bootstrap-italia/{part}", BOOTSTRAP_ITALIA_STATIC / part)
        for part in ("css", "js", "fonts", "svg", "assets")
    ],
]
STORAGES: dict[str, dict[str, Any]] = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "quartieri.lib.staticfiles.GzipManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG
# Before collectstatic has run (tests, a first start) templates fall back to plain names.
WHITENOISE_MANIFEST_STRICT = False

# --- Uploaded media (campaigns.media; docs/operations.md "Media") -----------------------
# On disk under DATA_DIR/media by default. An S3-compatible bucket when
# QUARTIERI_MEDIA_S3_BUCKET is set, through django-storages, imported only then (so the
# embedded platform does not need it). Without keys boto3 uses its own chain (AWS_* vars,
# instance role, ~/.aws).
MEDIA_S3_BUCKET = env_str("QUARTIERI_MEDIA_S3_BUCKET", "")
if PUBLISHING_MEDIA_URL:
    # The outbox appends the stored name: one trailing slash, whatever was written.
    PUBLISHING_MEDIA_URL = (
        env_url("QUARTIERI_MEDIA_PUBLIC_URL", PUBLISHING_MEDIA_URL, schemes=("http", "https")) + "/"
    )
    _media_origin = "{0.scheme}://{0.netloc}".format(urlsplit(PUBLISHING_MEDIA_URL))
    cast(list[str], SECURE_CSP["img-src"]).append(_media_origin)  # staff page previews
    SECURE_CSP["media-src"] = [CSP.SELF, _media_origin]
if MEDIA_S3_BUCKET:
    if find_spec("storages") is None or find_spec("boto3") is None:
        raise ImproperlyConfigured(
            "QUARTIERI_MEDIA_S3_BUCKET is set but django-storages[s3] is not installed"
        )
    if not PUBLISHING_MEDIA_URL:
        raise ImproperlyConfigured(
            "QUARTIERI_MEDIA_S3_BUCKET needs QUARTIERI_MEDIA_PUBLIC_URL (the bucket's public "
            "address): platforms fetch media by URL and a bucket has no local path"
        )
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": MEDIA_S3_BUCKET,
            "endpoint_url": env_str("QUARTIERI_MEDIA_S3_ENDPOINT_URL", "") or None,
            "region_name": env_str("QUARTIERI_MEDIA_S3_REGION", "") or None,
            "access_key": env_str("QUARTIERI_MEDIA_S3_ACCESS_KEY_ID", "") or None,
            "secret_key": env_str("QUARTIERI_MEDIA_S3_SECRET_ACCESS_KEY", "") or None,
            "location": env_str("QUARTIERI_MEDIA_S3_PREFIX", ""),
            # Names are random already; never replace another file of the same name.
            "file_overwrite": False,
        },
    }
# `quartieri serve` answers /media/ itself (demo, sandbox, one machine); a proxy or the
# bucket can take over, then set QUARTIERI_MEDIA_SERVE=0.
MEDIA_SERVE = env_bool("QUARTIERI_MEDIA_SERVE", default=not MEDIA_S3_BUCKET)
# Upload caps. Images: 20 MB, the largest any connected platform takes (TikTok photo,
# platform-apis.md §1.5). Videos: 300 MB, Instagram Reels' limit (§2.2); TikTok takes up to
# 4 GB (§1.5) but a browser form is no way to move gigabytes.
MEDIA_MAX_IMAGE_BYTES = env_int("QUARTIERI_MEDIA_MAX_IMAGE_MB", default=20, minimum=1) * 1024**2
MEDIA_MAX_VIDEO_BYTES = env_int("QUARTIERI_MEDIA_MAX_VIDEO_MB", default=300, minimum=1) * 1024**2
MEDIA_FFPROBE = env_str("QUARTIERI_FFPROBE", "ffprobe")  # Debian package ffmpeg
MEDIA_FFMPEG = env_str("QUARTIERI_FFMPEG", "ffmpeg")  # a video's thumbnail frame
MEDIA_PROBE_TIMEOUT_SECONDS = env_int(
    "QUARTIERI_MEDIA_PROBE_TIMEOUT_SECONDS", default=60, minimum=1
)

# --- City screens (quartieri.screens; docs/screens.md) ----------------------------------
# A player asks for its manifest every SCREENS_POLL_SECONDS and sends its proof of play
# every SCREENS_REPORT_SECONDS (whose answer also says when the manifest changed, so "push
# now" reaches it sooner); a manifest covers SCREENS_HORIZON_HOURS ahead, which is how
# long a player cut off from the network keeps its schedule. A display not seen for
# SCREENS_STALE_MINUTES is flagged. Videos are short: at most SCREENS_MAX_VIDEO_SECONDS.
SCREENS_POLL_SECONDS = env_int("QUARTIERI_SCREENS_POLL_SECONDS", default=60, minimum=1)
SCREENS_REPORT_SECONDS = env_int("QUARTIERI_SCREENS_REPORT_SECONDS", default=30, minimum=1)
SCREENS_HORIZON_HOURS = env_int("QUARTIERI_SCREENS_HORIZON_HOURS", default=48, minimum=1)
SCREENS_STALE_MINUTES = env_int("QUARTIERI_SCREENS_STALE_MINUTES", default=10, minimum=1)
SCREENS_MAX_VIDEO_SECONDS = env_int("QUARTIERI_SCREENS_MAX_VIDEO_SECONDS", default=60, minimum=1)
SCREENS_MAX_VIDEO_BYTES = (
    env_int("QUARTIERI_SCREENS_MAX_VIDEO_MB", default=100, minimum=1) * 1024**2
)

# --- E-mail ---------------------------------------------------------------------------
_SMTP_HOST = env_str("QUARTIERI_SMTP_HOST", "")
# Without an SMTP host the embedded platform writes outgoing mail to files under var/ so
# that a password-reset link can still be followed on a laptop.
MAILERS = {
    "default": {
        "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "OPTIONS": {
            "host": _SMTP_HOST,
            "port": env_int("QUARTIERI_SMTP_PORT", default=25),
            "username": env_str("QUARTIERI_SMTP_USER", ""),
            "password": env_str("QUARTIERI_SMTP_PASSWORD", ""),
            "use_tls": env_bool("QUARTIERI_SMTP_STARTTLS", default=False),
            "timeout": 30,
        },
    }
    if _SMTP_HOST
    else {
        "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "OPTIONS": {"file_path": str(DATA_DIR / "outbox-mail")},
    }
}
DEFAULT_FROM_EMAIL = env_str("QUARTIERI_FROM_EMAIL", "quartieri@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Notifications (to review, sent back, failed, published, mentions) are e-mailed through
# MAILERS["default"] as well as listed in the app; 0 keeps them in the app only.
NOTIFICATIONS_EMAIL = env_bool("QUARTIERI_NOTIFICATIONS_EMAIL", default=True)

# --- Newsletter (docs/newsletter.md) ----------------------------------------------------
# SMTP servers for the newsletter, one URL each, separated by spaces or commas:
# smtp://[user:password@]host[:port][?connections=N&rate=M&starttls=1], smtps:// for TLS
# from the first byte. ``connections``: connections per sending process (default 10);
# ``rate``: messages per second across every process (0 = no cap). A sandbox platform
# sends to the local sink `quartieri serve` runs (the Mailbox page).
NEWSLETTER_SINK_PORT = env_int("QUARTIERI_NEWSLETTER_SINK_PORT", default=SANDBOX_PORT + 2)
NEWSLETTER_SMTP_URLS = env_list(
    "QUARTIERI_SMTP_URL", [f"smtp://127.0.0.1:{NEWSLETTER_SINK_PORT}"] if SANDBOX else []
)
NEWSLETTER_MAILBOX_DIR = DATA_DIR / "mailbox"
# Messages per second across all servers and processes (0 = only the per-server caps).
NEWSLETTER_RATE = env_int("QUARTIERI_NEWSLETTER_RATE", default=0)
# Seconds to wait for the server's reply after a message's end of data (RFC 5321
# §4.5.3.2.6: 10 minutes); every other reply is waited for 30 s.
NEWSLETTER_SMTP_DATA_TIMEOUT = env_int(
    "QUARTIERI_NEWSLETTER_SMTP_DATA_TIMEOUT", default=600, minimum=1
)
# The sender, on the domain whose SPF, DKIM and DMARC records are set (docs/newsletter.md).
NEWSLETTER_FROM_EMAIL = env_str("QUARTIERI_NEWSLETTER_FROM", "newsletter@demo.quartieri.invalid")
NEWSLETTER_BOUNCE_EMAIL = env_str(
    "QUARTIERI_NEWSLETTER_BOUNCES", NEWSLETTER_FROM_EMAIL.replace("newsletter@", "bounces@", 1)
)
# DKIM signing when a private key (PEM file) is given.
NEWSLETTER_DKIM_KEY_FILE = env_str("QUARTIERI_NEWSLETTER_DKIM_KEY_FILE", "")
NEWSLETTER_DKIM_SELECTOR = env_str("QUARTIERI_NEWSLETTER_DKIM_SELECTOR", "quartieri")
# Subscribers per batch (one worker task each) and messages reserved in the ledger at a
# time; what a killed worker reserved is settled from its send journal, a file per batch
# run on this machine's disk (newsletter/journal.py), kept NEWSLETTER_JOURNAL_KEEP_DAYS.
NEWSLETTER_JOURNAL_DIR = Path(
    env_str("QUARTIERI_NEWSLETTER_JOURNAL_DIR", str(DATA_DIR / "send-journal"))
)
NEWSLETTER_JOURNAL_KEEP_DAYS = env_int(
    "QUARTIERI_NEWSLETTER_JOURNAL_KEEP_DAYS", default=7, minimum=1
)
NEWSLETTER_BATCH_SIZE = env_int("QUARTIERI_NEWSLETTER_BATCH_SIZE", default=1000, minimum=1)
NEWSLETTER_RESERVE = env_int("QUARTIERI_NEWSLETTER_RESERVE", default=200, minimum=1)
# A batch untouched this long, whose worker is not alive, gets its task again (periodic.py).
NEWSLETTER_BATCH_STALE_SECONDS = env_int("QUARTIERI_NEWSLETTER_BATCH_STALE_SECONDS", default=60)
NEWSLETTER_SOFT_BOUNCE_LIMIT = env_int("QUARTIERI_NEWSLETTER_SOFT_BOUNCES", default=3, minimum=1)
NEWSLETTER_CONFIRM_DAYS = env_int("QUARTIERI_NEWSLETTER_CONFIRM_DAYS", default=7, minimum=1)
NEWSLETTER_SUBSCRIBE_PER_HOUR = env_int("QUARTIERI_NEWSLETTER_SUBSCRIBE_PER_HOUR", default=10)
# Hosts the subscribe form's ``next`` may point to (the mini-sites), besides this platform.
NEWSLETTER_NEXT_HOSTS = env_list("QUARTIERI_NEWSLETTER_NEXT_HOSTS", [])
# The bounce mailbox, read every few minutes: imaps://user:password@host[:port]/FOLDER.
NEWSLETTER_BOUNCE_IMAP_URL = env_str("QUARTIERI_NEWSLETTER_BOUNCE_IMAP_URL", "")
ANYMAIL = {"WEBHOOK_SECRET": env_str("QUARTIERI_ANYMAIL_WEBHOOK_SECRET", "")}

# --- Logging --------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("QUARTIERI_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # django-axes announces itself at every start; its warnings still show.
        "axes": {"level": "WARNING"},
        # WeasyPrint reports each rendering step at INFO (7 lines per poster or PDF sheet).
        "weasyprint.progress": {"level": "WARNING"},
    },
}

# --- Mini-sites and posters (docs/minisites.md) ---------------------------------------
# Where visitors reach the built mini-sites: `quartieri serve` answers them under /q/; a web
# server or bucket elsewhere is named here. Every absolute link of a site (canonical,
# hreflang, sitemap, feeds) and each poster's QR code use it; `sites build --base-url`
# overrides it for one build.
SITES_BASE_URL = env_url("QUARTIERI_SITES_BASE_URL", f"{PUBLIC_URL}/q", schemes=("http", "https"))
# Credit for the map tiles (MAP_TILE_URL) on the sites' interactive maps and credits page.
SITES_TILE_ATTRIBUTION = env_str(
    "QUARTIERI_SITES_TILE_ATTRIBUTION", "© OpenStreetMap contributors, ODbL"
)
# Processes that render a large build (forked; default: one per CPU).
SITES_BUILD_PROCESSES = env_int(
    "QUARTIERI_SITES_BUILD_PROCESSES", default=os.cpu_count() or 1, minimum=1
)
# The mini-sites' page-view beacon (contracts: POST {PUBLIC_URL}/a/pv); off writes no script.
SITES_BEACON = env_bool("QUARTIERI_SITES_BEACON", default=True)
# The accessibility statement AGID publishes for these sites (form.agid.gov.it) and the
# address for accessibility feedback; blank: the sites say they are not configured yet.
SITES_ACCESSIBILITY_STATEMENT_URL = env_str("QUARTIERI_SITES_ACCESSIBILITY_STATEMENT_URL", "")
SITES_CONTACT_EMAIL = env_str("QUARTIERI_SITES_CONTACT_EMAIL", "")
