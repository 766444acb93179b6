"""/statistikk: charts with their tables, the same numbers as the case list's filters, and
the goals of adopted strategies that have no cases yet."""

from __future__ import annotations

import re

from portal.extensions import db


def _table(html: str, chart_id: str) -> dict[str, int]:
    section = html.split(f'id="stat-{chart_id}"', 1)[1].split("</section>", 1)[0]
    rows = re.findall(
        r'<th scope="row">(?:<a [^>]*>)?([^<]+)(?:</a>)?</th><td class="num">(\d+)', section
    )
    return {label: int(count) for label, count in rows}


def test_every_chart_has_a_table_and_its_counts_match_the_case_list(client):
    html = client.get("/statistikk").get_data(as_text=True)
    assert "Eksempelbanken har 18 publiserte eksempler." in html
    for chart in ("category", "theme", "success_factor", "incentive", "procedure", "year",
                  "county"):  # fmt: skip
        assert f'aria-labelledby="stat-{chart} stat-{chart}-note"' in html, chart
        assert _table(html, chart), chart
    categories = _table(html, "category")
    listed = client.get("/eksempler/?kategori=bygg-og-anlegg").get_data(as_text=True)
    total = int(re.search(r'class="result-count">\s*(\d+)', listed).group(1))
    assert categories["Bygg og anlegg"] == total
    years = _table(html, "year")
    assert sum(years.values()) <= 18 and all(label.isdigit() for label in years)


def test_goals_without_cases_are_listed_as_where_the_bank_needs_cases(app, client):
    html = client.get("/statistikk").get_data(as_text=True)
    coverage = html.split('id="coverage"', 1)[1]
    assert "av" in coverage and "mål i de vedtatte strategiene har eksempler" in coverage
    lacking = re.findall(r'<ul class="lacking-goals">(.*?)</ul>', coverage, re.S)
    with app.app_context():
        from sqlalchemy import select

        from portal.statistics.queries import coverage as compute

        expected = sum(len(c.lacking) for c in compute())
        assert db.session.scalar(select(1)) == 1
    assert sum(item.count("<li") for item in lacking) == expected
