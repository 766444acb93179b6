"""Every way the bank's cases can be narrowed down, in one list.

A facet has an index field, the Norwegian query parameter the pages use (stable: it appears in
links people share), the English parameter and key of the API, and its label. The vocabularies,
the index's facet fields, the pages' filters and the API's arguments all derive from this list.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from flask_babel.speaklater import LazyString

from portal.translating import lazy_gettext as _l


class Vocabulary(enum.StrEnum):
    """The six controlled vocabularies cases are tagged with."""

    CATEGORY = "category"
    THEME = "theme"
    SUCCESS_FACTOR = "success_factor"
    INCENTIVE = "incentive"
    PROCEDURE = "procedure"
    CONTRACT_FORM = "contract_form"

    @property
    def url_slug(self) -> str:
        return _BY_VOCABULARY[self].param

    @classmethod
    def from_url_slug(cls, slug: str) -> Vocabulary | None:
        facet = _BY_PARAM.get(slug)
        return facet.vocabulary if facet else None


@dataclass(frozen=True)
class Facet:
    field: str  # index field and internal name
    param: str  # Norwegian query parameter (and path segment for vocabularies) on the pages
    api: str  # English query parameter and result key in the API
    label: LazyString
    plural: LazyString
    vocabulary: Vocabulary | None = None  # set for the six term vocabularies
    help: str = ""  # for the API's documentation


FACETS: tuple[Facet, ...] = (
    Facet("category", "kategori", "category", _l("Category"), _l("Categories"),
          Vocabulary.CATEGORY),
    Facet("theme", "mal", "goal", _l("Theme"), _l("Themes"), Vocabulary.THEME),
    Facet("success_factor", "suksessfaktor", "success_factor", _l("Success factor"),
          _l("Success factors"), Vocabulary.SUCCESS_FACTOR),
    Facet("incentive", "insentiv", "incentive", _l("Contract incentive"),
          _l("Contract incentives"), Vocabulary.INCENTIVE),
    Facet("procedure", "prosedyre", "procedure", _l("Procedure"), _l("Procedures"),
          Vocabulary.PROCEDURE),
    Facet("contract_form", "kontraktsform", "contract_form", _l("Contract form"),
          _l("Contract forms"), Vocabulary.CONTRACT_FORM),
    Facet("org_type", "organisasjonstype", "org_type", _l("Type of organisation"),
          _l("Types of organisation")),
    Facet("county", "fylke", "county", _l("County"), _l("Counties")),
    Facet("organization", "organisasjon", "organization", _l("Organisation"),
          _l("Organisations")),
    Facet("year", "ar", "year", _l("Year"), _l("Years")),
    # "ja" when the case reports at least one quantified result.
    Facet("has_results", "resultater", "has_results", _l("Measured results"),
          _l("Measured results"), help="`ja`: only cases with measured results."),
)  # fmt: skip

FACET_FIELDS: tuple[str, ...] = tuple(facet.field for facet in FACETS)
VOCABULARY_FACETS: tuple[Facet, ...] = tuple(f for f in FACETS if f.vocabulary is not None)
FACET_BY_FIELD: dict[str, Facet] = {f.field: f for f in FACETS}
_BY_VOCABULARY = {f.vocabulary: f for f in VOCABULARY_FACETS}
_BY_PARAM = {f.param: f for f in VOCABULARY_FACETS}
