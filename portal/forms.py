"""Form pieces shared by the features' forms."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from flask import request
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import DecimalField, EmailField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length, Optional
from wtforms.widgets import TextInput

from portal.dates import PRECISION_LABELS, DatePrecision
from portal.translating import lazy_gettext as _l

_AUTO = object()


class PortalForm(FlaskForm):
    """A form that, shown after sign-in, gives back the text its author posted when their
    session had ended (see accounts.parking). `restored` says whether it did."""

    restored = False

    def __init__(self, formdata=_AUTO, **kwargs) -> None:
        if formdata in (_AUTO, None) and request.method == "GET":
            from portal.accounts.parking import take_parked_form

            parked = take_parked_form(
                user=current_user, path=request.path, names=self._field_names(kwargs)
            )
            if parked is not None:
                formdata, self.restored = parked, True
        if formdata is _AUTO:  # FlaskForm's own default: the posted form, if posted
            super().__init__(**kwargs)
        else:
            super().__init__(formdata=formdata, **kwargs)

    def _field_names(self, kwargs) -> set[str]:
        prefix = kwargs.get("prefix") or ""
        if prefix and prefix[-1] not in "-_;:/.":
            prefix += "-"  # as WTForms does
        return {prefix + name for name, _ in self._unbound_fields}


def plain_decimal(value: Decimal | None) -> Decimal | None:
    """300.0000 → 300 and 4.4000 → 4.4, as the author typed it."""
    if value is None:
        return None
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize()


class CommaDecimalField(DecimalField):
    """A number field that takes Norwegian decimal commas and spaces: «12,5», «1 200».

    Rendered as text with a decimal keyboard: a type=number input rejects the comma in some
    browsers and locales before the server ever sees it.
    """

    widget = TextInput()

    def process_formdata(self, valuelist):
        if valuelist:
            valuelist = [re.sub(r"[\s\u00a0]", "", v).replace(",", ".") for v in valuelist]
        super().process_formdata(valuelist)

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return "" if self.data is None else str(plain_decimal(self.data))


def precision_field(label: str, description: str) -> SelectField:
    """How precise the date beside it is: a day, a month, a quarter … (see portal.dates)."""
    return SelectField(
        label,
        choices=[SelectChoice(str(p), text) for p, text in PRECISION_LABELS.items()],
        default=str(DatePrecision.DAY),
        description=description,
    )


def address_field(label: Any, description: Any = "") -> EmailField:
    """An e-mail address someone without an account gives (to follow, or to be answered)."""
    return EmailField(
        label,
        validators=[
            DataRequired(_l("Enter your e-mail address.")),
            Length(max=254),
            Email(_l("Enter an e-mail address like navn@kommune.no.")),
        ],  # fmt: skip
        description=description,
        render_kw={"autocomplete": "email"},
    )


def honeypot_field() -> StringField:
    """Left empty by people (it is off-screen); robots that fill in every field give
    themselves away. The template renders it inside `.trap`."""
    return StringField(_l("Leave this field empty"), validators=[Optional(), Length(max=200)])
