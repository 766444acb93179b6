"""Eksempelbanken: the application factory."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask, has_request_context, request
from sqlalchemy.orm import configure_mappers
from werkzeug.middleware.proxy_fix import ProxyFix

ROOT = Path(__file__).resolve().parent.parent


class Portal(Flask):
    """Flask, with absolute URLs always built from the configured BASE_URL.

    A request's Host header is chosen by whoever sends it; a reset link built from it would
    send a victim's token to an attacker's host. Every `url_for(..., _external=True)` (views,
    templates, mail, feeds, exports) therefore goes through here.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._paths: dict[tuple, str] = {}  # see `_path_for`

    def url_for(self, /, endpoint: str, *, _external: bool | None = None, **values: Any) -> str:
        if not has_request_context():
            # Outside a request Flask builds from SERVER_NAME etc., which BASE_URL sets.
            return super().url_for(endpoint, _external=_external, **values)
        path = self._path_for(endpoint, values)
        return self.config["BASE_ORIGIN"] + path if _external else path

    def _path_for(self, endpoint: str, values: dict[str, Any]) -> str:
        """The path `url_for` builds, kept for the same endpoint and values under the same
        script root (a page's frame builds some thirty URLs that are the same on every page;
        the portal has no URL defaults or subdomains that would make them differ)."""
        if not all(type(value) in _KEPT_TYPES for value in values.values()):
            return super().url_for(endpoint, _external=False, **values)
        key = (
            request.script_root,
            request.blueprint if endpoint.startswith(".") else None,
            endpoint,
            *((name, type(value), value) for name, value in sorted(values.items())),
        )
        path = self._paths.get(key)
        if path is None:
            if len(self._paths) >= PATHS_KEPT:
                self._paths.clear()
            path = self._paths[key] = super().url_for(endpoint, _external=False, **values)
        return path


PATHS_KEPT = 10_000
_KEPT_TYPES = frozenset({str, int, type(None)})


def create_app(
    test_config: dict[str, Any] | None = None, *, instance_path: str | None = None
) -> Flask:
    """Create and configure the portal."""
    app = Portal(
        __name__,
        instance_path=instance_path,
        instance_relative_config=True,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    _configure(app, test_config)
    from portal.urls import IdConverter

    app.url_map.converters["int"] = IdConverter  # before any route is added
    from portal import headers, logs

    logs.register(app)  # first, so the request is timed from its start and logged last
    headers.register(app)  # then the request id and host check precede everything else
    _register_extensions(app)
    _register_blueprints(app)
    # The ORM's mappers are set up here, once per process, rather than in its first request or
    # its first rebuild of the search index (about 0.1 s).
    configure_mappers()
    _register_hooks(app)
    _wrap_wsgi(app)
    return app


def _configure(app: Flask, test_config: dict[str, Any] | None) -> None:
    from portal import config

    app.config.from_object(config.DefaultConfig)
    config.load_environment(app.config)
    if test_config:
        app.config.update(test_config)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.setdefault("SQLALCHEMY_DATABASE_URI", config.default_database_uri(app.instance_path))
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = config.instance_secret_key(app.instance_path)
    app.config.setdefault("SEED_DIR", str(ROOT / "seed"))
    if app.debug or app.testing or app.config.get("INSECURE_COOKIES"):
        # Secure cookies everywhere except development, tests and `make run` on plain HTTP.
        app.config["SESSION_COOKIE_SECURE"] = False
    elif app.config["SESSION_COOKIE_NAME"] == "session":
        # __Host-: the browser accepts it only over HTTPS, for this host, for the whole site.
        app.config["SESSION_COOKIE_NAME"] = "__Host-session"
    config.apply_base_url(app.config)


def _wrap_wsgi(app: Flask) -> None:
    """What runs before Flask sees a request: the proxy's headers, then kept pages."""
    from portal.pagecache.front import FrontDoor

    app.wsgi_app = FrontDoor(app, app.wsgi_app)  # type: ignore[method-assign]
    proxies = int(app.config.get("PROXY_COUNT") or 0)
    if proxies:
        # Only then do X-Forwarded-For/-Proto count, and only the hops the operator declared.
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=0, x_prefix=0
        )


def _register_extensions(app: Flask) -> None:
    import portal.models  # noqa: F401  (every table in metadata, for Alembic too)
    from portal import i18n, translating
    from portal.db_events import register_sqlite_pragmas
    from portal.extensions import babel, csrf, db, login_manager, migrate

    db.init_app(app)
    with app.app_context():
        register_sqlite_pragmas(db.engine)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    babel.init_app(
        app,
        locale_selector=i18n.select_locale,
        default_translation_directories=str(Path(__file__).parent / "translations"),
    )
    translating.install_template_gettext(app)
    login_manager.init_app(app)
    from portal import security  # noqa: F401  (registers the user loader)
    from portal.search.engine import init_search
    from portal.search.sync import register_session_events

    init_search(app)
    register_session_events()
    from portal.media import storage

    storage.init_media(app)
    storage.register_session_events()
    from portal.pagecache.cache import init_page_cache

    init_page_cache(app)


def _register_blueprints(app: Flask) -> None:
    from portal import api, cli, errors
    from portal.accounts.admin import bp as admin_bp
    from portal.accounts.profile import bp as profile_bp
    from portal.accounts.views import bp as accounts_bp
    from portal.api.docs import bp as api_docs_bp
    from portal.cases.authoring import bp as authoring_bp
    from portal.cases.editorial import bp as editorial_bp
    from portal.cases.views import bp as cases_bp
    from portal.contact.views import bp as contact_bp
    from portal.following.views import bp as following_bp
    from portal.i18n import bp as i18n_bp
    from portal.media.views import bp as media_bp
    from portal.notifications.views import bp as notifications_bp
    from portal.operations.health import bp as operations_bp
    from portal.organizations.views import bp as organizations_bp
    from portal.pages.feeds import bp as feeds_bp
    from portal.pages.views import bp as pages_bp
    from portal.statistics.views import bp as statistics_bp
    from portal.strategies.authoring import bp as strategy_authoring_bp
    from portal.strategies.linking import bp as strategy_linking_bp
    from portal.strategies.measures import bp as strategy_measures_bp
    from portal.strategies.views import bp as strategies_bp
    from portal.taxonomy.views import bp as taxonomy_bp

    for bp in (
        pages_bp,
        cases_bp,
        organizations_bp,
        strategies_bp,
        strategy_authoring_bp,
        strategy_measures_bp,
        strategy_linking_bp,
        taxonomy_bp,
        i18n_bp,
        accounts_bp,
        authoring_bp,
        editorial_bp,
        notifications_bp,
        media_bp,
        admin_bp,
        feeds_bp,
        operations_bp,
        following_bp,
        profile_bp,
        contact_bp,
        api_docs_bp,
        statistics_bp,
    ):
        app.register_blueprint(bp)
    api.init_api(app)
    errors.register(app)
    cli.register(app)


def _register_hooks(app: Flask) -> None:
    from portal import templating

    templating.register(app)
