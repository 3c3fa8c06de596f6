"""Linli settings: one module, read from the environment.

Every setting has a safe default so that `linli demo` works with no configuration:
SQLite in the data directory, keys generated there on first run. Production sets
DATABASE_URL (PostgreSQL), LINLI_TASKS_URL (Redis) and keeps keys outside the database.
"""

from __future__ import annotations

import datetime
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from linli.core import purposes as lawful_purposes
from linli.core.filemodes import make_data_dir, report_tightened, secure_data_dir
from linli.core.keys import load_or_create_secret
from linli.core.proxies import parse_networks
from linli.overview import tiles as _map_tiles

BASE_DIR = Path(__file__).resolve().parent


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (true/false), got {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer, got {raw!r}") from exc


def env_float(name: str, default: float, low: float, high: float) -> float:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be a number, got {raw!r}") from exc
    if not low <= value <= high:
        raise ImproperlyConfigured(f"{name} must lie between {low} and {high}, got {raw!r}")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def default_data_dir() -> Path:
    xdg = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(xdg) / "linli"


DATA_DIR = Path(env_str("LINLI_DATA_DIR") or default_data_dir()).expanduser().resolve()
# Created 0700 here (the databases and keys below go into it); what it holds is made 0600
# once the database paths are known (linli.core.filemodes).
make_data_dir(DATA_DIR)

DEBUG = env_bool("LINLI_DEBUG", False)
SECRET_KEY = load_or_create_secret("LINLI_SECRET_KEY", DATA_DIR / "secret_key", nbytes=50)
ALLOWED_HOSTS = env_list("LINLI_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("LINLI_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "huey.contrib.djhuey",
    "ninja",  # serves the API docs' Swagger UI from the package, not a CDN
    # django-otp: a TOTP second factor and one-time backup codes (decision 0022); before
    # linli.core, whose admin takes django-otp's device pages out again
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "linli.core",
    "linli.places",
    "linli.overview",  # the registry the apps below register their counters and layers into
    "linli.people",
    "linli.grids",
    "linli.ledger",
    "linli.reports",
    "linli.imports",
    "linli.exchange",
    "linli.health",
    "linli.gates",
    "linli.tickets",
    "linli.tasks",
    "linli.devices",
    "linli.alerts",
    "linli.notices",
    "linli.consult",  # consultations (协商): after notices, whose drafts carry its result
    "linli.sites",  # disinfection points and shelters (the flood and disinfection scenarios)
    "linli.supplies",
    "linli.rumours",  # after notices: a clarification is released as a notice
    "linli.suppliers",
    "linli.handout",
    "linli.campaigns",
    "linli.opinion",  # opinion analysis of the community's chat groups (舆情)
    "linli.downloads",  # after people and reports: their actions decide who reads a file
    "linli.demo",
    "linli.web",
    "linli.core.axes_config.AxesConfig",  # django-axes: sign-in throttling and lockout
    "csp",  # Content-Security-Policy (decision 0014)
]

MIDDLEWARE = [
    # First: forwarded headers count only from LINLI_TRUSTED_PROXIES (linli.core.proxies).
    "linli.core.middleware.ForwardedHeadersMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    # Lets pages connect to the push server when it listens on another port (decision 0026).
    "linli.web.live.LiveStreamPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "linli.core.middleware.ChineseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Marks request.user.is_verified(): the session passed the second factor (django-otp).
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "linli.core.middleware.RequestContextMiddleware",
    # A user who must confirm a code (or set up her authenticator) reaches nothing else first.
    "linli.core.middleware.SecondFactorMiddleware",
    # Last, as django-axes asks: counts failed sign-ins and answers a locked-out account.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "linli.web.urls"
WSGI_APPLICATION = "linli.wsgi.application"
AUTH_USER_MODEL = "core.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "linli.web.context_processors.linli",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------
SQLITE_PATH = DATA_DIR / "linli.sqlite3"
_database_url = env_str("DATABASE_URL")
if _database_url:
    try:
        _db = dj_database_url.parse(_database_url, conn_max_age=env_int("LINLI_DB_CONN_MAX_AGE", 60))
    except ValueError as exc:
        raise ImproperlyConfigured(f"DATABASE_URL is not a valid database URL: {exc}") from exc
    if _db["ENGINE"] not in {"django.db.backends.postgresql", "django.db.backends.sqlite3"}:
        raise ImproperlyConfigured("DATABASE_URL must point to PostgreSQL or SQLite")
else:
    _db = {"ENGINE": "django.db.backends.sqlite3", "NAME": str(SQLITE_PATH)}
# Connections are kept between requests (each server thread its own): a new one per request
# would pay the pragmas below and start with a cold 64 MB page cache every time.
_db.setdefault("CONN_MAX_AGE", env_int("LINLI_DB_CONN_MAX_AGE", 60))

if _db["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers work while one writer writes; IMMEDIATE transactions take the
    # write lock up front so two writers queue instead of failing with "database is locked".
    _db.setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                "PRAGMA foreign_keys=ON; PRAGMA cache_size=-64000; PRAGMA temp_store=MEMORY;"
            ),
        }
    )
    _db.setdefault("TEST", {})
DATABASES = {"default": _db}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Background tasks (Huey) ----------------------------------------------------------
_tasks_url = env_str("LINLI_TASKS_URL")
if _tasks_url.startswith(("redis://", "rediss://")):
    HUEY = {
        "huey_class": "huey.RedisHuey",
        "name": "linli",
        "url": _tasks_url,
        "immediate": env_bool("LINLI_TASKS_IMMEDIATE", False),
    }
elif _tasks_url and not _tasks_url.startswith("sqlite"):
    raise ImproperlyConfigured("LINLI_TASKS_URL must be redis://… or sqlite:///path")
else:
    _tasks_path = _tasks_url.removeprefix("sqlite:///") if _tasks_url else str(DATA_DIR / "tasks.sqlite3")
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": "linli",
        "filename": _tasks_path,
        "immediate": env_bool("LINLI_TASKS_IMMEDIATE", False),
    }

# --- Device events over MQTT (decision 0027) --------------------------------------------
# `linli devices listen` and `linli devices simulate` reach the broker at LINLI_MQTT_URL:
# mqtt://user:password@host:1883/ , or mqtts://…:8883/ with TLS (LINLI_MQTT_CA the CA file;
# LINLI_MQTT_CERT and LINLI_MQTT_KEY the client certificate and key when the broker asks for one).
# LINLI_MQTT_SHARED=true lets several consumers share the load (MQTT 5 shared subscription);
# LINLI_MQTT_COMMUNITIES=code,code makes this consumer take only those communities' devices.
LINLI_MQTT_URL = env_str("LINLI_MQTT_URL", "mqtt://127.0.0.1:1883/")
LINLI_MQTT_CA = env_str("LINLI_MQTT_CA", "")
LINLI_MQTT_CERT = env_str("LINLI_MQTT_CERT", "")
LINLI_MQTT_KEY = env_str("LINLI_MQTT_KEY", "")
LINLI_MQTT_SHARED = env_bool("LINLI_MQTT_SHARED", False)
LINLI_MQTT_COMMUNITIES = env_list("LINLI_MQTT_COMMUNITIES", [])
LINLI_MQTT_CLIENT_ID = env_str("LINLI_MQTT_CLIENT_ID", "")

# --- Live events and messages that leave the platform (decision 0026) ------------------------
# Events published on commit (linli.core.push) travel to the push server (`linli push`, started by
# `linli serve` on its port + 1) through the database (default, polled every LINLI_PUSH_POLL_MS)
# or a Redis stream (LINLI_PUSH_URL=redis://…). Pages open their stream at LINLI_PUSH_PUBLIC_URL
# when a reverse proxy sends /live/ to the push server, else on LINLI_PUSH_PORT of their own host.
LINLI_PUSH_URL = env_str("LINLI_PUSH_URL")
if LINLI_PUSH_URL and not LINLI_PUSH_URL.startswith(("redis://", "rediss://", "unix://")):
    raise ImproperlyConfigured("LINLI_PUSH_URL must be empty (the database) or redis://…")
# The menu on every page (which sections she may open) is kept this many seconds per user and
# set of roles: a change of roles shows at once, a gate duty or an epidemic mode within this time.
LINLI_MENU_CACHE_SECONDS = env_int("LINLI_MENU_CACHE_SECONDS", 60)
LINLI_PUSH_POLL_MS = env_int("LINLI_PUSH_POLL_MS", 200)
if not 20 <= LINLI_PUSH_POLL_MS <= 5000:
    raise ImproperlyConfigured("LINLI_PUSH_POLL_MS must be between 20 and 5000")
LINLI_PUSH_PUBLIC_URL = env_str("LINLI_PUSH_PUBLIC_URL")
LINLI_PUSH_PORT = env_int("LINLI_PUSH_PORT", 0)  # set by `linli serve` when it starts the push server
# SMS, voice calls and app push (linli.core.gateways): "console" prints and logs them (the demo),
# "locmem" keeps them in memory (tests), or a dotted path to a backend class.
LINLI_SMS_BACKEND = env_str("LINLI_SMS_BACKEND", "console")
LINLI_CALL_BACKEND = env_str("LINLI_CALL_BACKEND", "console")
LINLI_APP_PUSH_BACKEND = env_str("LINLI_APP_PUSH_BACKEND", "console")
# How many outbound screening calls a campaign places a second (seed 000: 500).
LINLI_CAMPAIGN_CALLS_PER_SECOND = env_int("LINLI_CAMPAIGN_CALLS_PER_SECOND", 500)
if not 1 <= LINLI_CAMPAIGN_CALLS_PER_SECOND <= 10000:
    raise ImproperlyConfigured("LINLI_CAMPAIGN_CALLS_PER_SECOND must be between 1 and 10000")

# A worker running an import holds a lease it renews every LINLI_RUN_LEASE_SECONDS / 6; a run
# whose lease ran out (its worker died) is marked failed. Pages that wait for a worker say so
# when none has reported in for LINLI_WORKER_SILENT_SECONDS (workers report in every minute).
LINLI_RUN_LEASE_SECONDS = env_int("LINLI_RUN_LEASE_SECONDS", 120)
LINLI_WORKER_SILENT_SECONDS = env_int("LINLI_WORKER_SILENT_SECONDS", 180)
if LINLI_RUN_LEASE_SECONDS < 10 or LINLI_WORKER_SILENT_SECONDS < 70:
    raise ImproperlyConfigured("LINLI_RUN_LEASE_SECONDS must be at least 10 and LINLI_WORKER_SILENT_SECONDS at least 70")

# The SQLite files are created 0600 before SQLite opens them, and anything in the data
# directory that others could read is tightened, with a warning (linli.core.filemodes).
_sqlite_files = [Path(_tasks_path)] if HUEY["huey_class"] == "huey.SqliteHuey" else []
if _db["ENGINE"] == "django.db.backends.sqlite3" and str(_db["NAME"]) not in {"", ":memory:"} \
        and not str(_db["NAME"]).startswith("file:"):
    _sqlite_files.append(Path(_db["NAME"]))
STATIC_ROOT = Path(env_str("LINLI_STATIC_ROOT") or DATA_DIR / "static").expanduser().resolve()
report_tightened(DATA_DIR, secure_data_dir(DATA_DIR, files=_sqlite_files, skip=[STATIC_ROOT]))

# --- Personal data protection ---------------------------------------------------------
# Data keys (AES-GCM for sensitive fields, HMAC for blind indexes) live outside the
# database: in LINLI_DATA_KEYS / LINLI_DATA_KEYS_FILE, or generated into the data dir.
LINLI_DATA_KEYS_PATH = Path(env_str("LINLI_DATA_KEYS_FILE") or DATA_DIR / "data_keys.json")
# Full values are handed out for a lawful purpose chosen from this list (decision 0023): built-in
# codes, or a site's own as code=中文名称|English name; "other" (always offered) needs a sentence
# of at least LINLI_PURPOSE_OTHER_MIN_LENGTH letters or digits.
LINLI_LAWFUL_PURPOSES = env_list("LINLI_LAWFUL_PURPOSES", list(lawful_purposes.DEFAULT))
lawful_purposes.parse(LINLI_LAWFUL_PURPOSES)  # a bad entry stops the start with a clear message
LINLI_PURPOSE_OTHER_MIN_LENGTH = env_int("LINLI_PURPOSE_OTHER_MIN_LENGTH", 10)
if not 4 <= LINLI_PURPOSE_OTHER_MIN_LENGTH <= 100:
    raise ImproperlyConfigured("LINLI_PURPOSE_OTHER_MIN_LENGTH must lie between 4 and 100")
# An export with full values of more than this many people waits for a second person's approval
# (四眼原则): someone else who may export full values over the area; unapproved, it expires.
# Opinion analysis: chat messages are kept this many days (the figures and reports stay); an
# upload holds at most so many files, each and all together at most so many MB; the analysis
# runs over this many processes (0: one per core).
LINLI_OPINION_RETENTION_DAYS = env_int("LINLI_OPINION_RETENTION_DAYS", 90)
LINLI_OPINION_MAX_FILES = env_int("LINLI_OPINION_MAX_FILES", 50)
LINLI_OPINION_MAX_FILE_MB = env_int("LINLI_OPINION_MAX_FILE_MB", 20)
LINLI_OPINION_MAX_UPLOAD_MB = env_int("LINLI_OPINION_MAX_UPLOAD_MB", 60)
LINLI_OPINION_WORKERS = env_int("LINLI_OPINION_WORKERS", 0)
LINLI_EXPORT_APPROVAL_THRESHOLD = env_int("LINLI_EXPORT_APPROVAL_THRESHOLD", 500)
LINLI_EXPORT_APPROVAL_DAYS = env_int("LINLI_EXPORT_APPROVAL_DAYS", 3)
if LINLI_EXPORT_APPROVAL_THRESHOLD < 0 or not 1 <= LINLI_EXPORT_APPROVAL_DAYS <= 30:
    raise ImproperlyConfigured("LINLI_EXPORT_APPROVAL_THRESHOLD must be 0 or more and LINLI_EXPORT_APPROVAL_DAYS "
                               "between 1 and 30")
# ID numbers one user may try to register in an hour that are registered outside her area
# (each attempt is audited): past that, every registration with an ID number waits, so the
# registry cannot be used to learn who lives elsewhere.
LINLI_ID_PROBE_LIMIT = env_int("LINLI_ID_PROBE_LIMIT", 20)

# --- Residents' requests ------------------------------------------------------------------
# Office hours that time limits are counted in ("09:00-12:00,13:00-18:00": eight a day).
LINLI_WORKING_HOURS = env_str("LINLI_WORKING_HOURS", "09:00-12:00,13:00-18:00")
# The handler is warned when this share of a limit has passed (0.75: a quarter left).
LINLI_TICKET_WARN_SHARE = env_float("LINLI_TICKET_WARN_SHARE", 0.75, 0.1, 0.99)
# A new request of the same category at the same place (or in the same building, for public
# places) within this many hours is offered to be merged with the earlier one.
LINLI_TICKET_DUPLICATE_HOURS = env_int("LINLI_TICKET_DUPLICATE_HOURS", 72)
# A resident may reopen a resolved request, or rate it, for this many days.
LINLI_TICKET_REOPEN_DAYS = env_int("LINLI_TICKET_REOPEN_DAYS", 7)
# A delivery left at a quarantined household's door and not confirmed within this many hours
# is shown to the grid worker, to call the household.
LINLI_DELIVERY_CONFIRM_HOURS = env_int("LINLI_DELIVERY_CONFIRM_HOURS", 2)
if not 1 <= LINLI_DELIVERY_CONFIRM_HOURS <= 72:
    raise ImproperlyConfigured("LINLI_DELIVERY_CONFIRM_HOURS must be between 1 and 72 (hours)")

# --- Gates --------------------------------------------------------------------------------
# A gate's records may reach the server up to this many hours after they happened (a phone
# offline for a weekend); older ones are refused and kept as refused.
LINLI_GATE_SYNC_HOURS = env_int("LINLI_GATE_SYNC_HOURS", 72)
# The compound's staff may record a gate event up to this many hours back (a paper register
# typed in later); one older than the sync window is a correction, audited as such.
LINLI_GATE_CORRECTION_HOURS = env_int("LINLI_GATE_CORRECTION_HOURS", 168)
# The gate screen keeps working offline for this many hours after it was last loaded (or
# renewed) online by a signed-in user, and never past the end of her shift there.
LINLI_GATE_OFFLINE_HOURS = env_int("LINLI_GATE_OFFLINE_HOURS", 12)
if not 1 <= LINLI_GATE_SYNC_HOURS <= LINLI_GATE_CORRECTION_HOURS <= 30 * 24:
    raise ImproperlyConfigured("LINLI_GATE_SYNC_HOURS must be at least 1 and at most LINLI_GATE_CORRECTION_HOURS, "
                               "which is at most 720 (30 days)")
if not 1 <= LINLI_GATE_OFFLINE_HOURS <= 24:
    raise ImproperlyConfigured("LINLI_GATE_OFFLINE_HOURS must be between 1 and 24 (hours)")

# --- Upward exchange ---------------------------------------------------------------------
# Counts below this many people are suppressed in files sent to upper levels (k-anonymity).
LINLI_EXCHANGE_K = env_int("LINLI_EXCHANGE_K", 5)

# --- Shared ledger ---------------------------------------------------------------------
# The origin line of the log's checkpoints: unique per deployment, e.g. "ledger.huamu.example".
LINLI_LEDGER_ORIGIN = env_str("LINLI_LEDGER_ORIGIN", "linli.local/ledger")
# How many witness cosignatures a checkpoint needs before clients of this server accept it.
LINLI_LEDGER_QUORUM = env_int("LINLI_LEDGER_QUORUM", 1)
# Run the sequencer in a thread of `linli serve` (a separate `linli ledger sequence --loop`
# process is the alternative for multi-process deployments).
LINLI_LEDGER_SEQUENCER_IN_SERVER = env_bool("LINLI_LEDGER_SEQUENCER_IN_SERVER", True)
# The latest checkpoint the log signed, kept outside the database (a dropped tail shows even
# without witnesses). Empty: <data dir>/ledger/latest-checkpoint.note.
LINLI_LEDGER_CHECKPOINT_FILE = env_str("LINLI_LEDGER_CHECKPOINT_FILE", "")
# The public key (age1…) `linli backup` encrypts to; its secret half stays off the server.
LINLI_BACKUP_RECIPIENT = env_str("LINLI_BACKUP_RECIPIENT", "")

# --- Internationalisation -------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = env_str("LINLI_TIME_ZONE", "Asia/Shanghai")
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise expects it even before collectstatic
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# --- HTTPS, proxies, browser policy ------------------------------------------------------
# LINLI_HTTPS=true when users reach Linli over HTTPS (a TLS-terminating proxy in front):
# plain-HTTP requests are redirected, cookies are sent over HTTPS only, and browsers are told
# to use HTTPS for LINLI_HSTS_SECONDS (a year unless set; 0 turns HSTS off).
LINLI_HTTPS = env_bool("LINLI_HTTPS", False)
SECURE_SSL_REDIRECT = LINLI_HTTPS
SECURE_HSTS_SECONDS = env_int("LINLI_HSTS_SECONDS", 365 * 24 * 3600 if LINLI_HTTPS else 0)
if SECURE_HSTS_SECONDS < 0:
    raise ImproperlyConfigured("LINLI_HSTS_SECONDS must be 0 or more")
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("LINLI_HSTS_INCLUDE_SUBDOMAINS", True)
# Only for a domain that is (or is being) entered in the browsers' preload list.
SECURE_HSTS_PRELOAD = env_bool("LINLI_HSTS_PRELOAD", False)
# LINLI_SECURE_COOKIES is the older name for the cookie half of LINLI_HTTPS.
SESSION_COOKIE_SECURE = LINLI_HTTPS or env_bool("LINLI_SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env_int("LINLI_SESSION_AGE", 8 * 3600)
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# Proxies whose X-Real-IP / X-Forwarded-For / X-Forwarded-Proto are believed (addresses or
# CIDR networks, e.g. "127.0.0.1,10.0.0.0/24"); from anyone else those headers are dropped.
LINLI_TRUSTED_PROXIES = parse_networks("LINLI_TRUSTED_PROXIES", env_list("LINLI_TRUSTED_PROXIES", []))
if LINLI_TRUSTED_PROXIES:
    # Requests that came in over HTTPS at the proxy count as secure (the header survives only
    # from a trusted proxy: linli.core.middleware.ForwardedHeadersMiddleware).
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Content-Security-Policy (django-csp, decision 0014): scripts, styles and everything else
# come from Linli's own origin; no inline script, no inline style, no eval, no framing. The
# API docs page (Swagger UI) gets its own, slightly wider policy (linli.web.api).
_SELF = "'self'"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [_SELF],
        "script-src": [_SELF],
        "style-src": [_SELF],
        # data: for the icons Bootstrap draws in its stylesheet (menu button, select arrow)
        "img-src": [_SELF, "data:"],
        "font-src": [_SELF],
        "connect-src": [_SELF],
        # blob: for the camera preview of the gate's QR scanner
        "media-src": [_SELF, "blob:"],
        "worker-src": [_SELF],
        "manifest-src": [_SELF],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": [_SELF],
        "frame-ancestors": ["'none'"],
        "frame-src": ["'none'"],
    },
}

# The one-screen overview's map: Linli's own boundaries only (no tile server, for networks
# without internet), or on top of tiles from LINLI_MAP_TILES (an URL template with {z}/{x}/{y},
# {s} for subdomains) credited with LINLI_MAP_TILES_ATTRIBUTION; the tiles' origin is then added
# to the overview page's img-src (linli.overview.tiles).
try:
    LINLI_MAP_TILES = _map_tiles.checked(env_str("LINLI_MAP_TILES"), env_str("LINLI_MAP_TILES_ATTRIBUTION"))
except _map_tiles.TileConfigError as exc:
    raise ImproperlyConfigured(str(exc)) from None
LINLI_MAP_TILES_ATTRIBUTION = env_str("LINLI_MAP_TILES_ATTRIBUTION")
LINLI_MAP_TILES_MAX_ZOOM = env_int("LINLI_MAP_TILES_MAX_ZOOM", 19)

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
     "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Sign-in throttling (django-axes, decision 0012): after LINLI_LOGIN_FAILURES wrong passwords
# an account is locked for LINLI_LOGIN_LOCKOUT_MINUTES, or until an administrator unlocks it
# (`linli axes_reset_username NAME`). Locked by account, so a guesser moving between
# addresses gains nothing; a successful sign-in clears the count.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env_int("LINLI_LOGIN_FAILURES", 5)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env_int("LINLI_LOGIN_LOCKOUT_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = ["username"]
# axes warns when the address is not part of the key, since cookies and browsers can be
# rotated; keyed by account, rotating them gains nothing, and a whole community office behind
# one address is not locked out by one colleague's typos.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False
# The same client address as the audit log's (forwarded headers only from trusted proxies).
AXES_CLIENT_IP_CALLABLE = "linli.core.proxies.client_ip"

# Second factor (django-otp, decision 0022): whoever holds a role that may reveal or export full
# values (and every administrator) confirms a 6-digit code from an authenticator app after her
# password; others may choose to. Wrong codes wait 1, 2, 4, 8 … seconds per device.
OTP_TOTP_ISSUER = env_str("LINLI_OTP_ISSUER", "Linli")
OTP_TOTP_THROTTLE_FACTOR = 1
OTP_STATIC_THROTTLE_FACTOR = 1

# API tokens expire this many days after they are made (`linli token create --days` chooses
# another span for one token).
LINLI_API_TOKEN_DAYS = env_int("LINLI_API_TOKEN_DAYS", 90)
if not 1 <= LINLI_API_TOKEN_DAYS <= 3650:
    raise ImproperlyConfigured("LINLI_API_TOKEN_DAYS must lie between 1 and 3650")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LINLI_LOG_LEVEL", "WARNING")},
}

NINJA_PAGINATION_PER_PAGE = 20
