"""Settings shared by every environment, read from the environment.

With nothing set the app runs on an embedded default: SQLite and kombu's filesystem broker under ``var/``,
so a laptop needs no server. ``DATABASE_URL`` and ``CELERY_BROKER_URL`` (or ``REDIS_URL``) switch to
PostgreSQL and Redis.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent.parent
env = environ.Env()

# Runtime files (SQLite database, filesystem broker, uploads) live under var/, never in the web root.
VAR_DIR = Path(env("DILIGENCE_VAR_DIR", default=str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env("DJANGO_SECRET_KEY", default="insecure-local-only-key-change-me")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "axes",
    "django_htmx",
    "simple_history",
    "nested_admin",
    # The house, bottom up: each app imports only those above it in this list (make lint checks it).
    "teams",
    "assets",
    "diligence",
    "config.demo",  # `manage.py seed_demo`: demo teams, logins and facts
    "config.bench",  # `manage.py bench` (the project's benchmark; its dev-only needs are imported when it runs)
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "config.middleware.SessionActivityMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Signed-in users' pages: Cache-Control private, no-store.
    "config.middleware.PrivatePagesMiddleware",
    # A NUL in any parameter: 400 naming it, before a view or filter hands it to the database.
    "config.bad_requests.UnstorableInputMiddleware",
    # Counterparty contacts reach their own pages and nothing else (404 elsewhere).
    "config.middleware.CounterpartyConfinementMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Per-user rate limits on the views named in DILIGENCE_RATE_LIMITED_VIEWS (config/ratelimits.py).
    "config.ratelimits.RateLimitMiddleware",
    # Turns a view's "database unreachable" into a plain 503 page (no database needed to render it).
    "config.middleware.DatabaseUnavailableMiddleware",
    # Last, as django-axes asks: turns a locked-out login into the lock-out page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

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
                "diligence.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web process read while a worker writes; the timeout rides out short write locks.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"}
    )
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "teams.User"
# django-axes first: it refuses a locked-out username+IP before the password is even checked.
AUTHENTICATION_BACKENDS = [
    "config.ratelimits.LoginThrottleBackend",  # axes's AxesStandaloneBackend, see there
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "diligence:home"
LOGOUT_REDIRECT_URL = "login"

# Sessions end after this long without a request; activity pushes the expiry forward at most once per resolution
# (config.middleware.SessionActivityMiddleware), so page views do not each write the session.
# A counterparty contact's emailed login link (an invitation) works once, within this many hours.
DILIGENCE_LOGIN_LINK_HOURS = env.int("DILIGENCE_LOGIN_LINK_HOURS", default=72)
SESSION_COOKIE_AGE = env.int("DJANGO_SESSION_COOKIE_AGE", default=8 * 60 * 60)
SESSION_ACTIVITY_RESOLUTION = env.int("DJANGO_SESSION_ACTIVITY_RESOLUTION", default=5 * 60)

# --- Login throttling (django-axes) ---------------------------------------------------------------------
# Failures are counted per username *and* IP, so a guesser locks only themselves out of that account, not its
# owner elsewhere. Attempts live in the database, so every web process sees the same count.
AXES_FAILURE_LIMIT = env.int("DILIGENCE_LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("DILIGENCE_LOGIN_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/lockout.html"
AXES_HTTP_RESPONSE_CODE = 429
# Behind N reverse proxies (a TLS terminator, a load balancer) every request comes from a proxy's address, so the
# client's is read from X-Forwarded-For, N hops from the right (config/client_ip.py). With none (the default, and
# docker-compose's gunicorn) the socket's address is the client's.
DILIGENCE_TRUSTED_PROXIES = env.int("DILIGENCE_TRUSTED_PROXIES", default=0)
AXES_CLIENT_IP_CALLABLE = "config.client_ip.client_ip"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Asia/Shanghai"  # regulatory deadlines are counted on China's calendar
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"  # collectstatic output (production); created so WhiteNoise finds it
STATIC_ROOT.mkdir(exist_ok=True)
MEDIA_ROOT = VAR_DIR / "media"  # evidence and memos; served only through access-checked views
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

# --- Content Security Policy (Django's own middleware) --------------------------------------------------
# Nothing inline: no <script> bodies, no on*= handlers, no <style> blocks or style= attributes. htmx is told not to
# inject its indicator <style> or eval anything (the htmx-config meta tag in _base.html). The Django admin and
# django-nested-admin run under this same policy, no exception: Django 6's admin loads every script from a file (its
# one inline <style>, on a change list without actions, and django-simple-history's style= on the history page's
# paginator are cosmetic). Should an admin page ever need an inline script, relax the policy for that view alone
# (Django's @csp_override, or a nonce), never here for every page.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.SELF],
}

# --- Rate limits per user (config.ratelimits), "count/period" as django-ratelimit reads them ----------
DILIGENCE_RATE_LIMITS = {
    "memo_create": env("DILIGENCE_RATE_MEMO_CREATE", default="20/h"),  # each memo is a CPU-heavy PDF render
    "import": env("DILIGENCE_RATE_IMPORT", default="30/h"),  # dossier uploads and registry imports together
}
# Which views count against which rate, by URL name (POSTs of signed-in users only).
DILIGENCE_RATE_LIMITED_VIEWS = {
    "assets:dossier_upload": "import",
    "assets:registry_import": "import",
    "assets:registry_fetch": "import",
    "diligence:memo_create": "memo_create",
    "diligence:memo_retry_edit": "memo_create",  # a retry is another render
}

# Registry import (assets.registry): the largest record file accepted, and the ClinicalTrials.gov API it fetches from.
DILIGENCE_MAX_REGISTRY_UPLOAD_BYTES = env.int("DILIGENCE_MAX_REGISTRY_UPLOAD_BYTES", default=50 * 1024 * 1024)
# What one registry file may add: sites (a study's, counted per file) and new entries in the shared hospital directory.
DILIGENCE_REGISTRY_MAX_SITES_PER_FILE = env.int("DILIGENCE_REGISTRY_MAX_SITES_PER_FILE", default=3_000)
DILIGENCE_REGISTRY_MAX_NEW_HOSPITALS_PER_FILE = env.int("DILIGENCE_REGISTRY_MAX_NEW_HOSPITALS_PER_FILE", default=2_000)
# Browser imports run as jobs (assets.jobs): a task hands the rest of a job on to a fresh task after this long
# (between files), well inside the task time limits; a job its workers stopped this often is given up.
DILIGENCE_IMPORT_TASK_BUDGET_SECONDS = env.int("DILIGENCE_IMPORT_TASK_BUDGET_SECONDS", default=240)
DILIGENCE_IMPORT_MAX_ATTEMPTS = env.int("DILIGENCE_IMPORT_MAX_ATTEMPTS", default=5)
# A registry import's preview waits this long for a member to confirm it; then the sweep ends it and deletes its files.
DILIGENCE_IMPORT_PREVIEW_EXPIRY_DAYS = env.int("DILIGENCE_IMPORT_PREVIEW_EXPIRY_DAYS", default=7)
CTGOV_API_BASE = env("CTGOV_API_BASE", default="https://clinicaltrials.gov/api/v2")
CTGOV_API_TIMEOUT = env.float("CTGOV_API_TIMEOUT", default=20.0)  # seconds
# ClinicalTrials.gov publishes no limit for API v2 and its robots.txt asks for a second between requests: one request
# per 1.2 s from all our processes together (counted in the shared cache); a request that would wait longer than the
# second figure fails as passing, and the watch tries it again later.
CTGOV_MIN_INTERVAL_SECONDS = env.float("CTGOV_MIN_INTERVAL_SECONDS", default=1.2)
CTGOV_MAX_WAIT_SECONDS = env.float("CTGOV_MAX_WAIT_SECONDS", default=30.0)
# The registry watch: a check that failed for a passing reason (429, 5xx, a timeout, no network) is tried again
# after BACKOFF, 2 x BACKOFF, 4 x BACKOFF ... seconds (at most an hour apart; longer when the API's Retry-After says
# so), RETRIES times, then waits for its next scheduled check.
DILIGENCE_REGISTRY_WATCH_RETRIES = env.int("DILIGENCE_REGISTRY_WATCH_RETRIES", default=5)
DILIGENCE_REGISTRY_WATCH_BACKOFF_SECONDS = env.float("DILIGENCE_REGISTRY_WATCH_BACKOFF_SECONDS", default=60.0)

# --- Celery -------------------------------------------------------------------------------------------
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=env("REDIS_URL", default="filesystem://localhost//"))


def filesystem_broker_options(folder: Path) -> dict[str, object]:
    """kombu's filesystem transport: one folder both ways, so producers and consumers on this machine share it."""
    for sub in ("queue", "control"):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    return {
        "data_folder_in": str(folder / "queue"),
        "data_folder_out": str(folder / "queue"),
        "control_folder": str(folder / "control"),
        "store_processed": False,
    }


CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {}
if CELERY_BROKER_URL.startswith("filesystem://"):
    CELERY_BROKER_TRANSPORT_OPTIONS = filesystem_broker_options(VAR_DIR / "broker")
elif CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    # An unacknowledged message (its worker died) comes back after this long; longer than any render may take.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=300)}
CELERY_TASK_DEFAULT_QUEUE = "default"
# The queue memo renders are sent to (workers: `--queues=default,memos`). `manage.py bench` sends its own to a queue
# of its own, so a running worker and the benchmark's never take each other's memos.
DILIGENCE_MEMO_QUEUE = env("DILIGENCE_MEMO_QUEUE", default="memos")
CELERY_TASK_ROUTES = {"diligence.tasks.memo_render": {"queue": DILIGENCE_MEMO_QUEUE}}
# The queue notification emails are sent to; the benchmark sends its own to its memo queue, as it does its memos.
DILIGENCE_MAIL_QUEUE = env("DILIGENCE_MAIL_QUEUE", default="default")
# Long, CPU-bound memo renders: one at a time per process, a fresh process every few memos (WeasyPrint holds
# memory), time limits, and a sweeper (beat) that requeues what a dead worker left behind.
DILIGENCE_MEMO_SOFT_TIME_LIMIT = env.int("DILIGENCE_MEMO_SOFT_TIME_LIMIT", default=120)
DILIGENCE_MEMO_HARD_TIME_LIMIT = env.int("DILIGENCE_MEMO_HARD_TIME_LIMIT", default=180)
# Global limits too: the pool only watches per-task limits (the memo task's, above) when these are set.
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=540)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=600)
CELERY_WORKER_MAX_TASKS_PER_CHILD = env.int("CELERY_WORKER_MAX_TASKS_PER_CHILD", default=20)
# A render child that has grown past this (KiB) is replaced after its task: WeasyPrint's caches and the heap of
# a long memo otherwise keep a child near 300 MB for the rest of its life.
CELERY_WORKER_MAX_MEMORY_PER_CHILD = env.int("CELERY_WORKER_MAX_MEMORY_PER_CHILD", default=200_000)
# /health/ counts a worker as down once its heartbeats (every 2 s) have stopped for this long (config/heartbeats.py).
DILIGENCE_WORKER_STALE_SECONDS = env.int("DILIGENCE_WORKER_STALE_SECONDS", default=10)
CELERY_BEAT_SCHEDULE = {
    "memo-sweep": {"task": "diligence.tasks.memo_sweep", "schedule": 60.0},
    "import-sweep": {"task": "assets.tasks.import_job_sweep", "schedule": 60.0},
    # Every 15 minutes: the watched registry records whose daily or weekly check is due are handed to workers.
    "registry-watch": {"task": "assets.tasks.registry_watch_sweep", "schedule": 900.0},
    # Hourly: a reminder is written once per item and threshold, so running often only makes it timely.
    "due-reminders": {"task": "diligence.tasks.due_reminders", "schedule": 3600.0},
    "notification-digest": {"task": "diligence.tasks.notification_digest", "schedule": crontab(hour=7, minute=0)},
}
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_TASK_IGNORE_RESULT = True  # the database row is the truth about a job, not a result backend
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_MAX_RETRIES = None  # ride out a broker restart instead of exiting
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_WORKER_HIJACK_ROOT_LOGGER = False


# --- Cache: shared by every process (rate limits are counted here) --------------------------------------
def cache_config(redis_url: str, folder: Path, prefix: str = "diligence") -> dict[str, object]:
    """Redis when the deployment has one (atomic counters shared by every host); otherwise files under ``folder``,
    which every process on this machine shares, unlike Django's default per-process memory cache."""
    if redis_url:
        return {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": redis_url, "KEY_PREFIX": prefix}
    return {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": str(folder),
        "KEY_PREFIX": prefix,
    }


CACHE_REDIS_URL = next(
    (url for url in (env("REDIS_URL", default=""), CELERY_BROKER_URL) if url.startswith(("redis://", "rediss://"))), ""
)
CACHES = {
    "default": cache_config(CACHE_REDIS_URL, VAR_DIR / "cache"),
}

DEFAULT_FROM_EMAIL = env("DJANGO_DEFAULT_FROM_EMAIL", default="IIT Diligence <diligence@localhost>")
# Notifications by email: printed to the console unless a real backend is configured.
MAILERS = {
    "default": {"BACKEND": env("DJANGO_EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")}
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("DJANGO_LOG_LEVEL", default="INFO")},
    # WeasyPrint and fontTools narrate every layout step at INFO; only their warnings are worth a line.
    "loggers": {name: {"level": "WARNING"} for name in ("weasyprint", "fontTools")},
}

# Static files: WhiteNoise serves them from the finders locally; production serves the hashed collectstatic copy.
WHITENOISE_USE_FINDERS = True
