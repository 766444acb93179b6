"""/api/v1/docs: the OpenAPI document as a page, linked from every page's footer."""

from __future__ import annotations

from html import unescape


def test_the_docs_page_lists_every_endpoint_with_parameters_and_an_example(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    page = client.get("/api/v1/docs")
    assert page.status_code == 200 and page.mimetype == "text/html"
    html = unescape(page.get_data(as_text=True))
    for path, operations in spec["paths"].items():
        for method in operations:
            if method != "parameters":
                assert f"{method.upper()} {path}" in html
    assert "<code>q</code>" in html and "Words to find" in html
    assert '"slug": "…"' in html  # an example answer, field by field
    home = client.get("/").get_data(as_text=True)
    assert 'href="/api/v1/docs"' in home
