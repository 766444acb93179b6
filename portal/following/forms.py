"""Forms for following a search and managing what one follows."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import RadioField
from wtforms.fields.choices import SelectChoice

from portal.following.models import Frequency
from portal.forms import address_field, honeypot_field
from portal.translating import lazy_gettext as _l

FREQUENCIES = [
    SelectChoice(str(Frequency.DAILY), _l("Daily")),
    SelectChoice(str(Frequency.WEEKLY), _l("Weekly")),
]


class FollowForm(FlaskForm):
    email = address_field(
        _l("E-mail address"), _l("We send a link to confirm it first; nothing else until you do.")
    )
    frequency = RadioField(_l("How often"), choices=FREQUENCIES, default=str(Frequency.WEEKLY))
    website = honeypot_field()


class FrequencyForm(FlaskForm):
    frequency = RadioField(_l("How often"), choices=FREQUENCIES)
