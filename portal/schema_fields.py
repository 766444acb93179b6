"""Marshmallow fields shared by the features' API schemas."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from marshmallow import Schema, fields, validate

from portal.taxonomy.facets import Facet

# No text a person types holds a NUL character (PostgreSQL cannot store one); every request
# with one is refused with 400 (headers.py), and the OpenAPI document says so as a pattern.
NO_NUL = validate.Regexp(r"^[^\x00]*$", error="Must not contain NUL characters.")


class DecimalString(fields.Decimal):
    """A decimal sent as a string ("22.5"), so no digit is lost in a JSON float; the OpenAPI
    document says so (a plain Decimal field would be documented as a number)."""

    def __init__(self, **kwargs: Any) -> None:
        metadata = {"type": "string", "format": "decimal", "example": "22.5"}
        metadata.update(kwargs.pop("metadata", {}))
        super().__init__(as_string=True, metadata=metadata, **kwargs)


def facet_args(facets: Iterable[Facet]) -> type[Schema]:
    """A schema with one repeatable query argument per facet, named as in the API."""
    return Schema.from_dict(
        {
            facet.api: fields.List(
                fields.String(validate=[validate.Length(max=100), NO_NUL]),
                load_default=list,
                metadata={
                    "description": facet.help
                    or f"Only cases with this "
                    f"{facet.api.replace('_', ' ')} (a slug); repeat for any of several."
                },
            )
            for facet in facets
        },
        name="FacetArgs",
    )
