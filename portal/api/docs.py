"""The API's documentation as a page people read: the OpenAPI document, rendered on the
server (no script from elsewhere; the content security policy allows none)."""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, current_app, render_template

from portal.extensions import api

bp = Blueprint("api_docs", __name__)
MAX_DEPTH = 4


@bp.get("/api/v1/docs")
def show() -> str:
    """Endpoints with their parameters, responses and an example of each answer."""
    # The document is fixed once the app has started: read it once per process.
    found = current_app.extensions.get("api_docs")
    if found is None:
        found = current_app.extensions["api_docs"] = _read(api.spec.to_dict())
    info, endpoints = found
    return render_template("api/docs.html", info=info, endpoints=endpoints)


def _read(spec: dict[str, Any]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The document's info and its endpoints, ready for the template."""
    schemas = spec.get("components", {}).get("schemas", {})
    endpoints = []
    for path, operations in spec["paths"].items():
        shared = operations.get("parameters", [])
        for method, operation in operations.items():
            if method == "parameters":
                continue
            responses = []
            for code, response in operation.get("responses", {}).items():
                response = _resolve(response, spec)
                schema = (response.get("content", {}).get("application/json", {})
                          .get("schema"))  # fmt: skip
                responses.append({
                    "code": code,
                    "description": response.get("description", ""),
                    "schema": _name(schema),
                    "example": json.dumps(_example(schema, schemas, 0), indent=2,
                                          ensure_ascii=False) if schema and code == "200" else "",
                })  # fmt: skip
            endpoints.append({
                "id": f"{method}-{path}".replace("/", "-").replace("{", "").replace("}", ""),
                "method": method.upper(),
                "path": path,
                "summary": operation.get("summary", ""),
                "description": operation.get("description", ""),
                "parameters": [_parameter(p) for p in shared + operation.get("parameters", [])],
                "responses": responses,
            })  # fmt: skip
    return spec["info"], endpoints


def _resolve(item: dict[str, Any], spec: dict[str, Any]) -> dict[str, Any]:
    ref = item.get("$ref")
    if not ref:
        return item
    node: Any = spec
    for part in ref.lstrip("#/").split("/"):
        node = node[part]
    return node


def _name(schema: dict[str, Any] | None) -> str:
    if not schema:
        return ""
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[-1]
    if schema.get("type") == "array":
        return f"[{_name(schema.get('items'))}]"
    return schema.get("type", "")


def _parameter(parameter: dict[str, Any]) -> dict[str, Any]:
    schema = parameter.get("schema", {})
    kind = schema.get("type", "")
    if kind == "array":
        kind = f"{schema.get('items', {}).get('type', '')}, repeatable"
    limits = []
    if "enum" in schema:
        limits.append(" | ".join(str(v) for v in schema["enum"]))
    if "minimum" in schema or "maximum" in schema:
        limits.append(f"{schema.get('minimum', '')}–{schema.get('maximum', '')}")
    if "maxLength" in schema:
        limits.append(f"≤ {schema['maxLength']} characters")
    if "default" in schema:
        limits.append(f"default {schema['default']}")
    return {
        "name": parameter["name"],
        "where": parameter.get("in", ""),
        "required": parameter.get("required", False),
        "type": kind,
        "limits": "; ".join(limits),
        "description": parameter.get("description", ""),
    }


def _example(schema: dict[str, Any] | None, schemas: dict[str, Any], depth: int) -> Any:
    """A value of the schema's shape: what an answer looks like, field by field."""
    if not schema:
        return None
    if "$ref" in schema:
        if depth > MAX_DEPTH:
            return {}
        return _example(schemas.get(schema["$ref"].rsplit("/", 1)[-1]), schemas, depth + 1)
    if "example" in schema:
        return schema["example"]
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), None)
    if kind == "object" or "properties" in schema:
        properties = schema.get("properties", {})
        if not properties and isinstance(schema.get("additionalProperties"), dict):
            return {"…": _example(schema["additionalProperties"], schemas, depth + 1)}
        return {name: _example(s, schemas, depth + 1) for name, s in properties.items()}
    if kind == "array":
        return [_example(schema.get("items"), schemas, depth + 1)]
    if kind == "integer":
        return 2024 if "year" in str(schema.get("description", "")).lower() else 1
    if kind == "number":
        return 12.5
    if kind == "boolean":
        return True
    if schema.get("format") == "date-time":
        return "2026-03-01T09:30:00+00:00"
    if schema.get("format") == "date":
        return "2026-03-01"
    return "…"
