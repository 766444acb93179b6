"""The search page's filter form."""

from __future__ import annotations

from portal.cases.search_page import FacetRow, FacetValue
from portal.taxonomy.facets import FACETS


def test_a_facets_checkboxes_escape_labels_and_values_and_keep_each_label_to_its_box():
    facet = next(f for f in FACETS if f.field == "organization")
    row = FacetRow(facet, [
        FacetValue('a"b', "<b>Kommune & co</b>", 3, False),
        FacetValue("oslo-kommune", "Oslo kommune", 12, True),
    ])  # fmt: skip
    html = str(row.checkboxes())
    assert "<b>" not in html and "&lt;b&gt;Kommune &amp; co&lt;/b&gt; <span" in html
    assert 'value="a&#34;b">' in html
    param = facet.param
    assert f'id="f-{param}-2" name="{param}" value="oslo-kommune" checked>' in html
    assert f'<label for="f-{param}-2">Oslo kommune <span class="count">(12)</span>' in html
    assert html.count('type="checkbox"') == 2 and html.count(" checked") == 1
    assert row.any_chosen
    assert not FacetRow(facet, [FacetValue("x", "X", 1, False)]).any_chosen
