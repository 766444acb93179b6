"""GET /api/v1/taxonomies."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields
from sqlalchemy import select

from portal.extensions import db
from portal.taxonomy.models import Term, Vocabulary

blp = Blueprint(
    "api_taxonomies", __name__, url_prefix="/taxonomies", description="Controlled vocabularies"
)


class TermSchema(Schema):
    slug = fields.String()
    label_nb = fields.String()
    label_en = fields.String()
    description_nb = fields.String()
    description_en = fields.String()


class TaxonomiesSchema(Schema):
    category = fields.List(fields.Nested(TermSchema))
    goal = fields.List(fields.Nested(TermSchema))
    success_factor = fields.List(fields.Nested(TermSchema))
    incentive = fields.List(fields.Nested(TermSchema))
    procedure = fields.List(fields.Nested(TermSchema))
    contract_form = fields.List(fields.Nested(TermSchema))


# The API calls the "theme" vocabulary "goal", as the issue and the case filters do.
API_NAMES = {vocabulary: str(vocabulary) for vocabulary in Vocabulary} | {Vocabulary.THEME: "goal"}


@blp.route("")
class Taxonomies(MethodView):
    @blp.response(200, TaxonomiesSchema)
    def get(self) -> dict[str, list[Term]]:
        """Every vocabulary with its terms, in display order."""
        terms = db.session.scalars(select(Term).order_by(Term.vocabulary, Term.position)).all()
        out: dict[str, list[Term]] = {name: [] for name in API_NAMES.values()}
        for term in terms:
            out[API_NAMES[term.vocabulary]].append(term)
        return out
