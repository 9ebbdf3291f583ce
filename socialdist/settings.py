"""socialdist settings: one module, read from the environment.

Every value has an embedded default good for `make run` (SQLite and a filesystem broker under var/);
production sets DEBUG=0 and the env vars listed in README.md. Bad values fail loudly at start.
"""

import os
import re
from pathlib import Path
from urllib.parse import urlsplit

import environ
from cryptography.fernet import Fernet
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()

# Local runs: `make run` writes var/.env once (DEBUG=1, a generated SECRET_KEY) and records the PORT
# it serves on, so every README command (`.venv/bin/python manage.py …`) works as written without
# exporting anything. The environment always wins over the file, and an environment that turns
# DEBUG off (production, the deploy check) never reads it. SOCIALDIST_ENV_FILE names another file;
# set empty, no file is read (the test suite does that, see pytest.ini).
ENV_FILE = os.environ.get("SOCIALDIST_ENV_FILE", str(VAR_DIR / ".env"))
if ENV_FILE and Path(ENV_FILE).is_file() and env.bool("DEBUG", default=True):
    environ.Env.read_env(ENV_FILE, overwrite=False)

DEBUG = env.bool("DEBUG", default=False)

SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "dev-insecure-secret-key-only-for-local-use-" + "x" * 20

# OAuth redirect URIs and signed media URLs are built on PUBLIC_BASE_URL; unset, it follows the PORT
# `make run` serves on (`PORT=8300 make run` → http://127.0.0.1:8300).
PUBLIC_BASE_URL = env.str(
    "PUBLIC_BASE_URL", default=f"http://127.0.0.1:{env.int('PORT', default=8000)}"
).rstrip("/")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
_public_host = PUBLIC_BASE_URL.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0]
if _public_host and _public_host not in ALLOWED_HOSTS:
    ALLOWED_HOSTS.append(_public_host)
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[PUBLIC_BASE_URL])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "allauth",
    "allauth.account",
    "csp",
    "django_htmx",
    "template_partials",
    "django_filters",
    "django_celery_beat",
    "ninja",
    "accounts",
    "channels",
    "library",
    "scheduling",
    "publishing",
    "analytics",
    "sandbox",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "socialdist.middleware.RejectUnstorableTextMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "socialdist.urls"
WSGI_APPLICATION = "socialdist.wsgi.application"

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
                "publishing.context_processors.account_banners",
                "accounts.context_processors.user_accounts",
                "accounts.context_processors.signup",
                "accounts.context_processors.account_nav",
                "sandbox.context_processors.sandbox",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file-backed test database lets a real worker process see what a test wrote.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test_db.sqlite3")}
    # Web server and worker share the file: WAL lets readers run beside a writer, and IMMEDIATE
    # transactions take the write lock up front instead of failing on a lock upgrade.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# One cache shared by every web process: allauth counts failed logins in it, so a per-process cache
# would multiply the allowed attempts by the number of gunicorn workers. CACHE_URL (any django-environ
# cache URL) wins over REDIS_URL; without either, a database table that migrations create
# (accounts/migrations/0003_create_cache_table.py), so `make run` needs no cache server.
CACHE_TABLE = "socialdist_cache"
if env.str("CACHE_URL", default=""):
    CACHES = {"default": env.cache_url("CACHE_URL")}
elif env.str("REDIS_URL", default=""):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": env.str("REDIS_URL"),
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": CACHE_TABLE,
        }
    }

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# django-allauth: email login; accounts are created by admins (create_account), not by open signup.
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = env.str("ACCOUNT_EMAIL_VERIFICATION", default="optional")
ACCOUNT_ADAPTER = "accounts.adapters.AccountAdapter"
ACCOUNT_ALLOW_SIGNUP = env.bool("ACCOUNT_ALLOW_SIGNUP", default=False)
# Login lockout, counted in the shared cache (CACHES): 5 failed logins per email in 5 minutes, and
# 10 per minute per client IP (allauth's own defaults, spelled out). The rest keep allauth's defaults.
ACCOUNT_RATE_LIMITS = {"login_failed": "10/1m/ip,5/5m/key"}
# Behind N reverse proxies the client IP is the Nth address from the right of X-Forwarded-For;
# with 0 it is REMOTE_ADDR (then every user behind one proxy shares the per-IP limit).
ALLAUTH_TRUSTED_PROXY_COUNT = env.int("ALLAUTH_TRUSTED_PROXY_COUNT", default=0)
LOGIN_REDIRECT_URL = "/"
LOGIN_URL = "/accounts/login/"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
MEDIA_URL = "/media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=str(VAR_DIR / "media"))
# Platforms fetch uploaded media from signed PUBLIC_BASE_URL/media/ URLs that Django checks and
# serves; turn this off only when another server checks the same signatures.
SERVE_MEDIA = env.bool("SERVE_MEDIA", default=True)
# Media URLs are signed and expire (drafts are never public at a guessable path).
MEDIA_URL_TTL_SECONDS = env.int("MEDIA_URL_TTL_SECONDS", default=7 * 24 * 3600)
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
# Caps enforced while the body streams in (publishing/uploads.py), named in the error shown.
UPLOAD_MAX_FILE_BYTES = env.int("UPLOAD_MAX_FILE_MB", default=300) * 1024 * 1024
UPLOAD_MAX_REQUEST_BYTES = env.int("UPLOAD_MAX_REQUEST_MB", default=1024) * 1024 * 1024
FILE_UPLOAD_HANDLERS = [
    "publishing.uploads.BoundedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="socialdist <noreply@localhost>")

# Token encryption (MultiFernet): comma list, the first key encrypts, all keys decrypt.
TOKEN_ENCRYPTION_KEYS = env.list("TOKEN_ENCRYPTION_KEYS", default=[])
if not TOKEN_ENCRYPTION_KEYS:
    if not DEBUG:
        raise ImproperlyConfigured(
            "TOKEN_ENCRYPTION_KEYS must be set when DEBUG is off "
            "(generate one with: python -c 'from cryptography.fernet import Fernet;"
            "print(Fernet.generate_key().decode())')."
        )
    from channels.crypto import dev_key

    TOKEN_ENCRYPTION_KEYS = [dev_key(VAR_DIR / "dev_token_key")]
# A malformed key fails here, at start (and in `manage.py check`), not at the first token save.
for _position, _key in enumerate(TOKEN_ENCRYPTION_KEYS, start=1):
    try:
        Fernet(_key.encode())
    except (ValueError, TypeError):
        raise ImproperlyConfigured(
            f"TOKEN_ENCRYPTION_KEYS entry {_position} is not a Fernet key (32 url-safe base64-encoded "
            "bytes); generate one with: python -c 'from cryptography.fernet import Fernet;"
            "print(Fernet.generate_key().decode())'."
        ) from None

# "https://api.example.com=http://127.0.0.1:8101,..." — points providers at fake servers.
SOCIALDIST_URL_REWRITES: list[tuple[str, str]] = []
for _pair in env.list("SOCIALDIST_URL_REWRITES", default=[]):
    if "=" not in _pair:
        raise ImproperlyConfigured(
            f"SOCIALDIST_URL_REWRITES entry {_pair!r} must look like origin=replacement."
        )
    _origin, _replacement = _pair.split("=", 1)
    SOCIALDIST_URL_REWRITES.append((_origin.strip().rstrip("/"), _replacement.strip().rstrip("/")))

# OAuth app credentials, <PLATFORM>_CLIENT_ID / <PLATFORM>_CLIENT_SECRET for any platform slug
# (each provider names its pair in credential_env(); the registry decides which are used).
PLATFORM_CREDENTIALS: dict[str, dict[str, str]] = {}
for _name, _value in os.environ.items():
    _match = re.fullmatch(r"([A-Z][A-Z0-9]*)_CLIENT_(ID|SECRET)", _name)
    if _match and _value:
        _slug, _part = _match.group(1).lower(), f"client_{_match.group(2).lower()}"
        PLATFORM_CREDENTIALS.setdefault(_slug, {"client_id": "", "client_secret": ""})[_part] = (
            _value
        )

# Sandbox mode (`make run` on a machine with no platform app): the test suite's fake platforms are
# served on local ports from SOCIALDIST_SANDBOX_PORT (8701, 8702, …; `manage.py sandbox_serve`,
# started by `make run`) and every provider without real credentials is pointed at them. On by
# default when DEBUG is on and no <PLATFORM>_CLIENT_ID is set; never on when DEBUG is off, whatever
# SOCIALDIST_SANDBOX says. Connections made in it are marked Sandbox (Profile.extra["sandbox"]).
_real_platforms = {slug for slug, pair in PLATFORM_CREDENTIALS.items() if pair.get("client_id")}
SOCIALDIST_SANDBOX = DEBUG and env.bool("SOCIALDIST_SANDBOX", default=not _real_platforms)
SOCIALDIST_SANDBOX_PORT = env.int("SOCIALDIST_SANDBOX_PORT", default=8701)
# What the sandbox platforms remember (tokens, posts) across restarts of `make run`.
SOCIALDIST_SANDBOX_STATE_DIR = env.path("SOCIALDIST_SANDBOX_STATE_DIR", default=VAR_DIR / "sandbox")
SOCIALDIST_SANDBOX_PLATFORMS: list[str] = []
SOCIALDIST_SANDBOX_URLS: dict[str, str] = {}
if SOCIALDIST_SANDBOX:
    from sandbox.registry import settings_wiring

    _sandbox = settings_wiring(port=SOCIALDIST_SANDBOX_PORT, real=_real_platforms)
    SOCIALDIST_URL_REWRITES.extend(_sandbox.rewrites)
    PLATFORM_CREDENTIALS.update(_sandbox.credentials)
    SOCIALDIST_SANDBOX_PLATFORMS = _sandbox.platforms
    SOCIALDIST_SANDBOX_URLS = _sandbox.urls

# Content-Security-Policy for every page (django-csp). No inline script, style or handler anywhere:
# page code lives in static/js/, styles in static/css/. A response that already carries its own
# Content-Security-Policy header (e.g. served media) keeps it: the middleware never overwrites one.
_public_origin = "{0.scheme}://{0.netloc}".format(urlsplit(PUBLIC_BASE_URL))
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        # Post media is served from PUBLIC_BASE_URL (not always the origin the page was opened on);
        # profile pictures and remote media come from the platforms' https CDNs.
        "img-src": [SELF, "data:", "https:", _public_origin],
        "media-src": [SELF, "https:", _public_origin],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        # The channel "Connect" buttons POST to our view, which redirects to the platform's OAuth
        # dialog; Chrome applies form-action to that redirect too, so the platforms' (https) origins
        # must pass, and so must the fake servers that SOCIALDIST_URL_REWRITES points them at.
        "form-action": [
            SELF,
            "https:",
            *sorted(
                {
                    "{0.scheme}://{0.netloc}".format(urlsplit(replacement))
                    for _, replacement in SOCIALDIST_URL_REWRITES
                }
            ),
        ],
    }
}

PLATFORM_HTTP_TIMEOUT = (
    env.float("PLATFORM_CONNECT_TIMEOUT", default=5.0),
    env.float("PLATFORM_READ_TIMEOUT", default=30.0),
)

# Celery: Redis in production, a filesystem broker under var/ by default (no server needed).
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://")
if CELERY_BROKER_URL == "filesystem://":
    _broker_dir = VAR_DIR / "broker"
    for _sub in ("in", "processed", "control"):
        (_broker_dir / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "in"),
        "data_folder_out": str(_broker_dir / "in"),
        "processed_folder": str(_broker_dir / "processed"),
        # Exchange tables under var/ too, not a control/ folder in the working directory.
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TIMEZONE = "UTC"

# Dispatcher: how many due targets one tick claims.
DISPATCH_BATCH_SIZE = env.int("DISPATCH_BATCH_SIZE", default=500)
# A target in `publishing` longer than this lost its worker: reconcile it with the platform.
PUBLISH_LEASE_SECONDS = env.int("PUBLISH_LEASE_SECONDS", default=600)
# Posts scoring at least this (0–10, normalised within their profile) are flagged ad-eligible.
ANALYTICS_AD_SCORE_THRESHOLD = env.float("ANALYTICS_AD_SCORE_THRESHOLD", default=7.0)
# The dispatcher is unhealthy when its heartbeat or the oldest due target is older than this.
HEALTH_MAX_LAG_SECONDS = env.int("HEALTH_MAX_LAG_SECONDS", default=300)
# Webhooks go only to public addresses; self-hosters may allow private/loopback targets.
WEBHOOK_ALLOW_PRIVATE = env.bool("WEBHOOK_ALLOW_PRIVATE", default=False)
# Credentials connects (a blog's URL) reach only public addresses, over https; with DEBUG or this,
# a site on this machine or its network (loopback/private, plain http allowed) can be connected.
CONNECT_ALLOW_PRIVATE = env.bool("CONNECT_ALLOW_PRIVATE", default=False)

SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
