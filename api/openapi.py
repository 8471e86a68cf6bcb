"""The OpenAPI document tells the truth about errors: every operation may answer the one error shape of API.md
(`{"error", "detail", "fields"?}`) with a 4xx, or 503 while a dependency is down; 422 uses that shape too."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["error", "detail"],
    "properties": {
        "error": {"type": "string", "description": "a stable code, e.g. case_not_found"},
        "detail": {"type": "string", "description": "what went wrong, for a person"},
        "fields": {"type": "object", "additionalProperties": {"type": "string"}, "description": "per-field problems"},
    },
}
_REF = {"$ref": "#/components/schemas/Error"}
_ERRORS = {
    "422": "The input is not valid: `fields` says which field and why",
    "4XX": "Refused: missing or wrong credentials, not allowed, not found, conflicting state, rate limited",
    "503": "A service Rebound depends on is unavailable for a moment: retry after `Retry-After` seconds",
}


def install(app: FastAPI) -> None:
    """Replace FastAPI's generated 422 (a shape we never send) and document the errors we do send."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        doc = generate()
        schemas = doc.setdefault("components", {}).setdefault("schemas", {})
        schemas["Error"] = ERROR_SCHEMA
        for item in doc.get("paths", {}).values():
            for operation in item.values():
                responses = operation.setdefault("responses", {})
                for status, text in _ERRORS.items():
                    error = {"description": text, "content": {"application/json": {"schema": _REF}}}
                    if status == "422" and status in responses:  # FastAPI's own 422 shape is never sent
                        responses[status] = error
                    elif status != "422":
                        responses.setdefault(status, error)  # a route may document its own (/healthz's 503)
        for unused in ("HTTPValidationError", "ValidationError"):
            schemas.pop(unused, None)
        app.openapi_schema = doc
        return doc

    app.openapi = openapi  # type: ignore[method-assign]
