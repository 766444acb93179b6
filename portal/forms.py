"""Form pieces shared by the features' forms."""

from __future__ import annotations

import re
from decimal import Decimal

from wtforms import DecimalField
from wtforms.widgets import TextInput


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
