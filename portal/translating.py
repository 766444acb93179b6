"""The request's translations, kept for the request: Flask-Babel looks them up anew for every
string, through the application context several times, and a page has some forty strings and
twenty lazy labels. The templates' `_`, `gettext` and `ngettext` and `lazy_gettext` (for labels
defined at import) use them."""

from __future__ import annotations

from typing import Any

from flask import Flask, g
from flask_babel import get_translations
from flask_babel.speaklater import LazyString


def translations() -> Any:
    """This request's translations, per locale (so that `force_locale` gets its own)."""
    # Flask-Babel keeps the request's locale (and `force_locale`'s) in `g._flask_babel`.
    babel = g.get("_flask_babel") if g else None
    locale = getattr(babel, "babel_locale", None)
    if locale is None:  # outside a request, or the locale is not chosen yet
        return get_translations()
    kept = getattr(babel, "portal_translations", None)
    if kept is None or kept[0] is not locale:
        kept = babel.portal_translations = (locale, get_translations())
    return kept[1]


def gettext(string: str, **variables: Any) -> str:
    """Flask-Babel's `gettext`, with the kept translations."""
    translated = translations().ugettext(string)
    return translated % variables if variables else translated


def lazy_gettext(string: str, **variables: Any) -> LazyString:
    """Flask-Babel's `lazy_gettext`, translated with the kept translations when shown."""
    return LazyString(gettext, string, **variables)


def install_template_gettext(app: Flask) -> None:
    """The templates' `_`, `gettext` and `ngettext`, as Flask-Babel installs them, but with the
    kept translations."""
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: translations().ugettext(s),
        ngettext=lambda s, p, n: translations().ungettext(s, p, n),
        pgettext=lambda c, s: translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: translations().unpgettext(c, s, p, n),
        newstyle=True,
    )
