"""Marshmallow fields shared by the features' API schemas."""

from __future__ import annotations

from typing import Any

from marshmallow import fields


class DecimalString(fields.Decimal):
    """A decimal sent as a string ("22.5"), so no digit is lost in a JSON float; the OpenAPI
    document says so (a plain Decimal field would be documented as a number)."""

    def __init__(self, **kwargs: Any) -> None:
        metadata = {"type": "string", "format": "decimal", "example": "22.5"}
        metadata.update(kwargs.pop("metadata", {}))
        super().__init__(as_string=True, metadata=metadata, **kwargs)
