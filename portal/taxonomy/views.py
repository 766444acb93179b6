"""Pages for the vocabularies and their terms."""

from __future__ import annotations

from flask import Blueprint, abort, render_template
from flask_login import current_user
from sqlalchemy import desc, select
from sqlalchemy.orm import selectinload

from portal.cases.models import Case
from portal.cases.permissions import visible_cases
from portal.cases.queries import filter_options
from portal.db import norwegian_order
from portal.extensions import db
from portal.search.backend import SearchRequest
from portal.taxonomy.models import Term, Vocabulary

bp = Blueprint("taxonomy", __name__, url_prefix="/emner")


@bp.get("/")
def list_vocabularies() -> str:
    """Every vocabulary with its terms and how many published cases carry each."""
    options = filter_options(current_user)
    return render_template(
        "taxonomy/index.html", vocabularies=list(Vocabulary), terms=options["terms"]
    )


@bp.get("/<vocabulary_slug>/<slug>")
def show_term(vocabulary_slug: str, slug: str) -> str:
    """One term: its description and the published cases tagged with it."""
    vocabulary = Vocabulary.from_url_slug(vocabulary_slug)
    if vocabulary is None:
        abort(404)
    term = db.session.scalars(
        select(Term).where(Term.vocabulary == vocabulary, Term.slug == slug)
    ).first()
    if term is None:
        abort(404)
    cases = db.session.scalars(
        visible_cases(current_user)
        .where(Case.terms.any(Term.id == term.id))
        .options(selectinload(Case.organizations), selectinload(Case.terms))
        .order_by(desc(Case.year).nulls_last(), norwegian_order(Case.title))
    ).all()
    search = SearchRequest(filters={str(vocabulary): (term.slug,)})
    return render_template(
        "taxonomy/term.html", term=term, vocabulary=vocabulary, cases=cases, search=search
    )
