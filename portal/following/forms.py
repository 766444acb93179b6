"""Forms for following a search and managing what one follows."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, RadioField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length, Optional

from portal.following.models import Frequency

FREQUENCIES = [
    SelectChoice(str(Frequency.DAILY), _l("Daily")),
    SelectChoice(str(Frequency.WEEKLY), _l("Weekly")),
]


class FollowForm(FlaskForm):
    email = EmailField(
        _l("E-mail address"),
        validators=[
            DataRequired(_l("Enter your e-mail address.")),
            Length(max=254),
            Email(_l("Enter an e-mail address like navn@kommune.no.")),
        ],  # fmt: skip
        description=_l("We send a link to confirm it first; nothing else until you do."),
        render_kw={"autocomplete": "email"},
    )
    frequency = RadioField(_l("How often"), choices=FREQUENCIES, default=str(Frequency.WEEKLY))
    # Left empty by people; filled in by robots that fill in every field.
    website = StringField(_l("Leave this field empty"), validators=[Optional(), Length(max=200)])


class FrequencyForm(FlaskForm):
    frequency = RadioField(_l("How often"), choices=FREQUENCIES)
