"""HTML forms: read the posted fields, check the CSRF token, validate with a pydantic model, and turn
failures into per-field messages in the page's language (the route re-renders with the user's input)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request

from api.web import i18n
from api.web.i18n import N_
from api.web.pages import CSRF_FIELD, csrf_valid

M = TypeVar("M", bound=BaseModel)

# Generic messages by pydantic error type; validators raise ValueError with an English message that the
# catalogues translate.
_MESSAGES = {
    "missing": N_("Please fill in this field."),
    "string_too_short": N_("Please fill in this field."),
    "string_too_long": N_("This is too long."),
    "int_parsing": N_("Please enter a whole number."),
    "decimal_parsing": N_("Please enter an amount."),
    "greater_than_equal": N_("This number is too small."),
    "greater_than": N_("This number is too small."),
    "less_than_equal": N_("This number is too large."),
    "literal_error": N_("Please choose one of the options."),
    "enum": N_("Please choose one of the options."),
    "string_pattern_mismatch": N_("This doesn't look right."),
    "value_error": "",
}
CSRF_MESSAGE = N_("This form expired or was sent from elsewhere. Please check your answers and send it again.")


@dataclass
class Form:
    """What was posted (kept to re-render the page) and what is wrong with it."""

    data: FormData
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def values(self) -> dict[str, Any]:
        """Text fields as the user typed them (multi-valued fields as lists); files are never echoed."""
        out: dict[str, Any] = {}
        for key in self.data:
            if key == CSRF_FIELD:
                continue
            texts = [v for v in self.data.getlist(key) if isinstance(v, str)]
            if texts:
                out[key] = texts if len(texts) > 1 else texts[0]
        return out

    def files(self, name: str) -> list[UploadFile]:
        return [f for f in self.data.getlist(name) if isinstance(f, UploadFile) and f.filename]

    def error(self, name: str, message: str) -> None:
        """Mark a field with an English message (translated here, into the page's language)."""
        self.errors.setdefault(name, i18n.gettext(message))

    @property
    def ok(self) -> bool:
        return not self.errors

    def validate(self, model: type[M], data: dict[str, Any] | None = None) -> M | None:
        """The model built from the fields (or `data`), or None with every field's problem recorded."""
        try:
            return model.model_validate(self.values if data is None else data)
        except ValidationError as invalid:
            for err in invalid.errors():
                name = ".".join(str(p) for p in err["loc"]) or "form"
                message = _MESSAGES.get(err["type"], N_("This doesn't look right."))
                if not message:
                    message = str(err.get("ctx", {}).get("error", err["msg"])).removeprefix("Value error, ")
                self.error(name, message)
            return None


async def read_form(request: Request, *, max_files: int = 10) -> Form:
    """The posted form, with its CSRF token checked: a missing or wrong token marks the whole form."""
    data = await request.form(max_files=max_files)
    form = Form(data)
    if not csrf_valid(request, data.get(CSRF_FIELD)):
        form.error("form", CSRF_MESSAGE)
    return form
