"""Marshmallow schemas for cases in the public API."""

from __future__ import annotations

from flask import url_for
from marshmallow import Schema, fields, validate

from portal.cases.queries import SORTS
from portal.dates import format_partial
from portal.i18n import current_language
from portal.schema_fields import DecimalString, facet_args
from portal.taxonomy.facets import FACET_BY_FIELD, VOCABULARY_FACETS
from portal.taxonomy.models import Vocabulary


class OrganizationRefSchema(Schema):
    slug = fields.String(dump_only=True)
    name = fields.String(dump_only=True)
    type = fields.String(attribute="org_type", dump_only=True)


class TermRefSchema(Schema):
    slug = fields.String(dump_only=True)
    label = fields.Method("get_label", dump_only=True)

    def get_label(self, term) -> str:
        return term.label(current_language())


class CaseSummarySchema(Schema):
    slug = fields.String(dump_only=True)
    title = fields.String(dump_only=True)
    summary = fields.String(dump_only=True)
    year = fields.Integer(dump_only=True, allow_none=True)
    procurement_status = fields.String(dump_only=True)
    organizations = fields.List(fields.Nested(OrganizationRefSchema), dump_only=True)
    categories = fields.List(fields.Nested(TermRefSchema), dump_only=True)
    goals = fields.List(fields.Nested(TermRefSchema), attribute="themes", dump_only=True)
    published_at = fields.DateTime(dump_only=True)
    url = fields.Method("get_url", dump_only=True)

    def get_url(self, case) -> str:
        return url_for("cases.show_case", slug=case.slug, _external=True)


class ResultSchema(Schema):
    indicator = fields.String(dump_only=True)
    value = DecimalString(dump_only=True)
    unit = fields.String(dump_only=True)
    baseline = DecimalString(allow_none=True, dump_only=True)
    measured_on = fields.Date(
        allow_none=True,
        dump_only=True,
        metadata={"description": "The first day of the span measured_precision names."},
    )
    measured_precision = fields.String(
        dump_only=True, metadata={"enum": ["day", "month", "quarter", "year", "early", "summer"]}
    )
    measured = fields.Method(
        "get_measured",
        dump_only=True,
        metadata={"description": "The date as precisely as the source gives it, in words."},
    )
    period = fields.String(allow_none=True, dump_only=True)
    evidence_level = fields.String(dump_only=True)
    source = fields.String(
        allow_none=True, dump_only=True, metadata={"description": "Where the figure is stated."}
    )
    note = fields.String(allow_none=True, dump_only=True)

    def get_measured(self, result) -> str | None:
        return format_partial(result.measured_on, result.measured_precision) or None


class SupportSchema(Schema):
    strategy_id = fields.Integer(attribute="goal.strategy_id", dump_only=True)
    strategy_title = fields.String(attribute="goal.strategy.title", dump_only=True)
    goal_id = fields.Integer(dump_only=True)
    code = fields.String(attribute="goal.code", allow_none=True, dump_only=True)
    title = fields.String(attribute="goal.title", dump_only=True)
    rationale = fields.String(dump_only=True)


class SectionsSchema(Schema):
    background = fields.String(dump_only=True)
    what_was_done = fields.String(dump_only=True)
    results = fields.String(attribute="results_text", dump_only=True)
    not_as_planned = fields.String(dump_only=True)
    lessons = fields.String(dump_only=True)


class ContactSchema(Schema):
    name = fields.String(attribute="contact_name", dump_only=True)
    role = fields.String(attribute="contact_role", allow_none=True, dump_only=True)
    email = fields.String(attribute="contact_email", allow_none=True, dump_only=True)


class CaseDetailSchema(CaseSummarySchema):
    """A case with its sections, results and the visible strategy goals it supports."""

    sections = fields.Method("get_sections", dump_only=True)
    results = fields.List(fields.Nested(ResultSchema), dump_only=True)
    supports = fields.Method("get_supports", dump_only=True)
    success_factors = fields.Method("get_success_factors", dump_only=True)
    incentives = fields.Method("get_incentives", dump_only=True)
    procedures = fields.Method("get_procedures", dump_only=True)
    contract_forms = fields.Method("get_contract_forms", dump_only=True)
    estimated_value_nok = fields.Integer(allow_none=True, dump_only=True)
    contact = fields.Method("get_contact", dump_only=True)
    source = fields.String(allow_none=True, dump_only=True)

    def get_sections(self, case) -> dict:
        return SectionsSchema().dump(case)

    def get_supports(self, case) -> list:
        from portal.strategies.queries import visible_links_for_case

        return SupportSchema(many=True).dump(visible_links_for_case(case))

    def _terms(self, case, vocabulary: Vocabulary) -> list:
        return TermRefSchema(many=True).dump(case.terms_in(vocabulary))

    def get_success_factors(self, case) -> list:
        return self._terms(case, Vocabulary.SUCCESS_FACTOR)

    def get_incentives(self, case) -> list:
        return self._terms(case, Vocabulary.INCENTIVE)

    def get_procedures(self, case) -> list:
        return self._terms(case, Vocabulary.PROCEDURE)

    def get_contract_forms(self, case) -> list:
        return self._terms(case, Vocabulary.CONTRACT_FORM)

    def get_contact(self, case) -> dict | None:
        # Contact details are personal data: only shown when the contact consented.
        return ContactSchema().dump(case) if case.shows_contact else None


class CaseListArgsSchema(facet_args((*VOCABULARY_FACETS, FACET_BY_FIELD["organization"]))):
    year = fields.List(
        fields.Integer(validate=validate.Range(1900, 2100)),
        load_default=list,
        metadata={"description": "The year of the procurement; repeat for several years."},
    )
    sort = fields.String(load_default="newest", validate=validate.OneOf(SORTS),
                         metadata={"description": "The order of the cases."})  # fmt: skip
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=10_000),
                          metadata={"description": "The page, from 1."})  # fmt: skip
    per_page = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100),
                              metadata={"description": "Cases per page."})  # fmt: skip


class CasePageSchema(Schema):
    total = fields.Integer()
    page = fields.Integer()
    per_page = fields.Integer()
    items = fields.List(fields.Nested(CaseSummarySchema))
