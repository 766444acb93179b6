"""The question form on a case."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, Optional


class ContactForm(FlaskForm):
    name = StringField(
        _l("Your name"),
        validators=[DataRequired(_l("Enter your name.")), Length(max=200)],
        render_kw={"autocomplete": "name"},
    )
    email = EmailField(
        _l("Your e-mail address"),
        validators=[
            DataRequired(_l("Enter your e-mail address.")),
            Length(max=254),
            Email(_l("Enter an e-mail address like navn@kommune.no.")),
        ],  # fmt: skip
        description=_l("The answer comes to this address."),
        render_kw={"autocomplete": "email"},
    )
    message = TextAreaField(
        _l("Your question"),
        validators=[
            DataRequired(_l("Write your question.")),
            Length(min=10, max=5000, message=_l("Write between 10 and 5,000 characters.")),
        ],
        render_kw={"rows": 8},
    )
    # Left empty by people; filled in by robots that fill in every field.
    website = StringField(_l("Leave this field empty"), validators=[Optional(), Length(max=200)])
