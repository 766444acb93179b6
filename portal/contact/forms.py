"""The question form on a case."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from portal.forms import address_field, honeypot_field
from portal.translating import lazy_gettext as _l


class ContactForm(FlaskForm):
    name = StringField(
        _l("Your name"),
        validators=[DataRequired(_l("Enter your name.")), Length(max=200)],
        render_kw={"autocomplete": "name"},
    )
    email = address_field(_l("Your e-mail address"), _l("The answer comes to this address."))
    message = TextAreaField(
        _l("Your question"),
        validators=[
            DataRequired(_l("Write your question.")),
            Length(min=10, max=5000, message=_l("Write between 10 and 5,000 characters.")),
        ],
        render_kw={"rows": 8},
    )
    website = honeypot_field()
