"""Marshmallow schemas for strategies in the public API."""

from __future__ import annotations

from flask import url_for
from marshmallow import Schema, fields

from portal.schema_fields import DecimalString
from portal.strategies.charts import progress_of


class StrategySummarySchema(Schema):
    id = fields.Integer(dump_only=True)
    slug = fields.String(dump_only=True)
    title = fields.String(dump_only=True)
    organization = fields.String(attribute="organization.name", dump_only=True)
    period_from = fields.Integer(dump_only=True)
    period_to = fields.Integer(dump_only=True)
    status = fields.String(dump_only=True)
    adopted_by = fields.String(allow_none=True, dump_only=True)
    adopted_on = fields.Date(allow_none=True, dump_only=True)


class StrategyListSchema(Schema):
    total = fields.Integer()
    items = fields.List(fields.Nested(StrategySummarySchema))


class MeasurementSchema(Schema):
    measured_on = fields.Date()
    value = DecimalString()
    note = fields.String(allow_none=True)


class IndicatorSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    unit = fields.String()
    baseline = DecimalString(allow_none=True)
    target = DecimalString()
    target_date = fields.Date(allow_none=True)
    direction = fields.String()
    measurements = fields.List(fields.Nested(MeasurementSchema))
    latest = fields.Nested(MeasurementSchema, allow_none=True)
    progress = fields.Method(
        "get_progress", allow_none=True, metadata={"type": "number", "nullable": True}
    )

    def get_progress(self, indicator) -> float | None:
        """0 at the baseline, 1 at the target."""
        value = progress_of(indicator)
        return None if value is None else round(value, 3)


class ActionSchema(Schema):
    id = fields.Integer()
    title = fields.String()
    responsible = fields.String(allow_none=True)
    deadline = fields.Date(
        allow_none=True,
        metadata={"description": "The first day of the span deadline_precision names."},
    )
    deadline_precision = fields.String(
        metadata={"enum": ["day", "month", "quarter", "year", "early", "summer"]}
    )
    status = fields.String()


class KeyResultSchema(Schema):
    indicator = fields.String()
    value = DecimalString()
    unit = fields.String()
    baseline = DecimalString(allow_none=True)
    period = fields.String(allow_none=True)


class LinkedCaseSchema(Schema):
    slug = fields.String(attribute="case.slug")
    title = fields.String(attribute="case.title")
    url = fields.Method("get_url", metadata={"type": "string", "format": "uri"})
    organizations = fields.Function(lambda link: [o.name for o in link.case.organizations])
    key_results = fields.List(fields.Nested(KeyResultSchema), attribute="case.results")
    rationale = fields.String()
    linked_at = fields.DateTime(attribute="created_at")

    def get_url(self, link) -> str:
        return url_for("cases.show_case", slug=link.case.slug, _external=True)


class GoalNodeSchema(Schema):
    id = fields.Integer(attribute="goal.id")
    kind = fields.String(attribute="goal.kind")
    code = fields.String(attribute="goal.code", allow_none=True)
    title = fields.String(attribute="goal.title")
    description = fields.String(attribute="goal.description")
    actions = fields.List(fields.Nested(ActionSchema), attribute="goal.actions")
    indicators = fields.List(fields.Nested(IndicatorSchema), attribute="goal.indicators")
    linked_cases = fields.List(fields.Nested(LinkedCaseSchema), attribute="links")
    children = fields.List(fields.Nested(lambda: GoalNodeSchema()))


class CoverageSchema(Schema):
    goals_total = fields.Integer()
    goals_with_evidence = fields.Integer()


class StrategyDetailSchema(Schema):
    """Dumps a StrategyView: the strategy, its goal tree with visible evidence, coverage."""

    id = fields.Integer(attribute="strategy.id")
    slug = fields.String(attribute="strategy.slug")
    title = fields.String(attribute="strategy.title")
    organization = fields.String(attribute="strategy.organization.name")
    period_from = fields.Integer(attribute="strategy.period_from")
    period_to = fields.Integer(attribute="strategy.period_to")
    status = fields.String(attribute="strategy.status")
    adopted_by = fields.String(attribute="strategy.adopted_by", allow_none=True)
    adopted_on = fields.Date(attribute="strategy.adopted_on", allow_none=True)
    vision = fields.String(attribute="strategy.vision")
    summary = fields.String(attribute="strategy.summary")
    goals = fields.List(fields.Nested(GoalNodeSchema), attribute="tree")
    coverage = fields.Nested(CoverageSchema)
