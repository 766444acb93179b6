"""The read-only JSON API under /api/v1: HTTP glue over each feature's queries and schemas."""

from __future__ import annotations

from flask import Flask

from portal.extensions import api, csrf


def init_api(app: Flask) -> None:
    from flask_smorest.spec.plugins import integerconverter2paramschema

    from portal.api.cases import blp as cases_blp
    from portal.api.search import blp as search_blp
    from portal.api.strategies import blp as strategies_blp
    from portal.api.taxonomies import blp as taxonomies_blp
    from portal.urls import IdConverter

    api.init_app(app)
    api.register_converter(IdConverter, integerconverter2paramschema)
    for blp in (cases_blp, search_blp, strategies_blp, taxonomies_blp):
        api.register_blueprint(blp, url_prefix=f"/api/v1{blp.url_prefix}")
        # Read-only and cookie-less: CSRF tokens mean nothing to API clients.
        csrf.exempt(blp)
