"""Configuration: defaults here, then environment variables, then test overrides."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit


class DefaultConfig:
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
    BABEL_DEFAULT_LOCALE = "nb"
    BABEL_DEFAULT_TIMEZONE = "Europe/Oslo"
    LANGUAGES = {"nb": "Norsk bokmål", "en": "English"}
    CASES_PER_PAGE = 20
    API_TITLE = "Eksempelbanken API"
    API_VERSION = "v1"
    OPENAPI_VERSION = "3.0.3"
    OPENAPI_URL_PREFIX = "/api/v1"
    OPENAPI_JSON_PATH = "openapi.json"
    API_SPEC_OPTIONS = {
        "info": {
            "description": "Read-only access to published procurement cases and adopted strategies."
        }
    }
    SESSION_COOKIE_SECURE = True
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    MAX_CONTENT_LENGTH = 20 * 1024 * 1024  # images up to 20 MB; larger uploads get 413
    WTF_CSRF_TIME_LIMIT = None
    # Where the portal answers. Every absolute URL (mail, feeds, sitemap, exports, API) is built
    # from it, never from the request's Host header; requests for other hosts get 400.
    BASE_URL = "http://127.0.0.1:5000"
    ALLOWED_HOSTS = ""  # further host names to answer to, comma-separated (e.g. an internal name)
    # Where visitors report accessibility problems and ask about their data (shown on /om,
    # /tilgjengelighet and /personvern); unset, those pages point to the site's operator.
    CONTACT_EMAIL = None
    PROXY_COUNT = 0  # reverse proxies in front whose X-Forwarded-For/-Proto headers are trusted


def load_environment(config: dict) -> None:
    """Read DATABASE_URL, SECRET_KEY and PORTAL_* overrides from the environment."""
    if url := os.environ.get("DATABASE_URL"):
        # Heroku-style URLs name the dialect "postgres"; SQLAlchemy wants "postgresql".
        config["SQLALCHEMY_DATABASE_URI"] = url.replace("postgres://", "postgresql://", 1)
    if key := os.environ.get("SECRET_KEY"):
        config["SECRET_KEY"] = key
    for name, value in os.environ.items():
        if name.startswith("PORTAL_"):
            config[name.removeprefix("PORTAL_")] = value


def default_database_uri(instance_path: str) -> str:
    return "sqlite:///" + str(Path(instance_path) / "eksempelbanken.sqlite3")


def instance_secret_key(instance_path: str) -> str:
    """Return the instance's secret key, generating it once on first start."""
    path = Path(instance_path) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".secret_key.{os.getpid()}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
        try:
            # link() is atomic and refuses to overwrite: the first process wins,
            # every other worker reads the winner's key.
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    return path.read_text().strip()


class ConfigError(ValueError):
    """A setting an operator must correct before the portal can start."""


def apply_base_url(config: Any) -> None:
    """Derive URL building and the trusted host names from BASE_URL.

    SERVER_NAME, APPLICATION_ROOT and PREFERRED_URL_SCHEME make `url_for` work outside a request
    (CLI, mail); TRUSTED_HOSTS makes Flask answer 400 to any other Host header.
    """
    parts = urlsplit(str(config["BASE_URL"]).strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(
            f"PORTAL_BASE_URL must be an http(s) address such as https://eksempelbanken.no, "
            f"not {config['BASE_URL']!r}"
        )
    root = parts.path.rstrip("/")
    config["BASE_URL"] = f"{parts.scheme}://{parts.netloc}{root}"
    config["BASE_ORIGIN"] = f"{parts.scheme}://{parts.netloc}"
    config["SERVER_NAME"] = parts.netloc
    config["APPLICATION_ROOT"] = root or "/"
    config["PREFERRED_URL_SCHEME"] = parts.scheme
    extra = config.get("ALLOWED_HOSTS") or ""
    if isinstance(extra, str):
        extra = [h.strip() for h in extra.split(",")]
    config["TRUSTED_HOSTS"] = [parts.hostname, *(h for h in extra if h)]
