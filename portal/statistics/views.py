"""/statistikk: the bank in numbers, charts with their tables."""

from __future__ import annotations

from flask import Blueprint, render_template, url_for
from flask_babel import gettext

from portal.i18n import current_language
from portal.statistics import charts, queries
from portal.taxonomy.facets import FACET_BY_FIELD, VOCABULARY_FACETS

bp = Blueprint("statistics", __name__)


@bp.get("/statistikk")
def show() -> str:
    """Published cases per tag, year and county; coverage of the adopted strategies."""
    language = current_language()
    sections = []
    for facet in VOCABULARY_FACETS:
        rows = [
            (term.label(language), count,
             url_for("taxonomy.show_term", vocabulary_slug=facet.param, slug=term.slug))
            for term, count in queries.per_term(facet.vocabulary, language)
        ]  # fmt: skip
        sections.append(charts.bar_chart(facet.field, str(facet.plural), rows))
    year_param = FACET_BY_FIELD["year"].param
    sections.append(
        charts.bar_chart(
            "year",
            gettext("Year of procurement"),
            [
                (str(year), count, url_for("cases.list_cases", **{year_param: year}))
                for year, count in queries.per_year()
            ],  # fmt: skip
        )
    )
    county_param = FACET_BY_FIELD["county"].param
    sections.append(
        charts.bar_chart(
            "county",
            gettext("County"),
            [
                (county, count, url_for("cases.list_cases", **{county_param: county}))
                for county, count in queries.per_county()
            ],  # fmt: skip
        )
    )
    coverage = queries.coverage()
    coverage_chart = charts.bar_chart(
        "coverage",
        gettext("Goals with supporting cases, per strategy (per cent)"),
        [
            (
                f"{c.strategy.title} ({c.strategy.organization.name})",
                c.percent,
                url_for("strategies.show_strategy", strategy_id=c.strategy.id),
            )
            for c in coverage
        ],  # fmt: skip
    )
    return render_template(
        "statistics/show.html",
        total=queries.published_total(),
        sections=sections,
        coverage=coverage,
        coverage_chart=coverage_chart,
        goals_total=sum(c.total for c in coverage),
        goals_covered=sum(c.covered for c in coverage),
    )
