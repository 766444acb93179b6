"""Every interface text has a bokmål translation, and the language can be switched."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "_l": None}


def test_every_interface_text_is_translated_to_bokmal():
    method_map = [("portal/**.py", "python"), ("templates/**.html", "jinja2")]
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map=method_map, keywords=KEYWORDS
    ):
        found.add(message[0] if isinstance(message, tuple) else message)
    with (ROOT / "portal/translations/nb/LC_MESSAGES/messages.po").open("rb") as fh:
        catalog = read_po(fh)
    translated = {
        (m.id[0] if isinstance(m.id, tuple) else m.id)
        for m in catalog
        if m.id and m.string and (not isinstance(m.string, tuple) or all(m.string))
    }
    assert sorted(found - translated) == []


def test_norwegian_is_the_default(client):
    html = client.get("/").get_data(as_text=True)
    assert '<html lang="nb">' in html
    assert "Nyeste eksempler" in html


SAME_SITE = {"Origin": "http://localhost"}


def test_switching_to_english_and_back(client):
    response = client.post("/sprak", data={"language": "en", "next": "/eksempler/"},
                           headers=SAME_SITE)  # fmt: skip
    assert response.status_code == 302
    assert response.headers["Location"] == "/eksempler/"
    html = client.get("/eksempler/").get_data(as_text=True)
    assert '<html lang="en">' in html
    assert "Apply filters" in html
    client.post("/sprak", data={"language": "nb", "next": "/"}, headers=SAME_SITE)
    assert "Bruk filtre" in client.get("/eksempler/").get_data(as_text=True)


def test_language_switch_refuses_foreign_redirects(client):
    response = client.post("/sprak", data={"language": "en", "next": "//evil.example"},
                           headers=SAME_SITE)  # fmt: skip
    assert response.headers["Location"] == "/"


def test_language_switch_refuses_a_form_sent_from_another_site(client):
    """The switch carries no token (it is on every cached page); the origin protects it."""
    for headers in ({}, {"Origin": "https://evil.example"},
                    {"Referer": "https://evil.example/side"}):  # fmt: skip
        response = client.post("/sprak", data={"language": "en", "next": "/"}, headers=headers)
        assert response.status_code == 400
        assert "Skjemaet er utløpt" in response.get_data(as_text=True)
        assert "Set-Cookie" not in response.headers
    by_referer = client.post("/sprak", data={"language": "en", "next": "/"},
                             headers={"Referer": "http://localhost/eksempler/"})  # fmt: skip
    assert by_referer.status_code == 302 and "sprak=en" in by_referer.headers["Set-Cookie"]


def test_a_text_rendered_in_another_language_midway_is_in_that_language_and_no_other(app):
    """Templates look the request's translations up once per language: a digest written in
    Norwegian for a visitor who reads English (`force_locale`) is Norwegian throughout, and
    what the page renders after it is English again."""
    from flask import render_template_string
    from flask_babel import force_locale

    from portal.translating import lazy_gettext

    # A label defined once, at import, as the facets' and forms' labels are.
    label = lazy_gettext("Cases")
    page = "{{ _('Cases') }} / {{ ngettext('%(num)d case', '%(num)d cases', 2) }} / {{ label }}"
    with app.test_request_context("/", headers={"Cookie": "sprak=en"}):
        assert render_template_string(page, label=label) == "Cases / 2 cases / Cases"
        with force_locale("nb"):
            assert render_template_string(page, label=label) == (
                "Eksempler / 2 eksempler / Eksempler"
            )
        assert render_template_string(page, label=label) == "Cases / 2 cases / Cases"
    with app.test_request_context("/"):
        assert render_template_string(page, label=label) == "Eksempler / 2 eksempler / Eksempler"
        assert str(lazy_gettext("Page %(n)s", n=3)) == "Side 3"
