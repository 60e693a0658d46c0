"""Errors of the field-type system: each names the field, the value (truncated) and the reason."""

import reprlib
from typing import Any

VALUE_REPR_LIMIT = 100

# reprlib bounds both the nesting and the width it prints, so a hostile value cannot make the error itself fail.
_SHORT = reprlib.Repr()
_SHORT.maxlevel, _SHORT.maxstring, _SHORT.maxother, _SHORT.maxlong = 3, VALUE_REPR_LIMIT, VALUE_REPR_LIMIT, 40


def short_repr(value: object) -> str:
    """`repr(value)` cut to 100 characters, an ellipsis marking the cut; never raises."""
    if isinstance(value, _Shown):
        return str(value)
    try:
        if isinstance(value, str | bytes):
            # Keep the start of long text (reprlib would elide the middle); never copy more than is shown.
            text = repr(value[: VALUE_REPR_LIMIT + 1])
        elif isinstance(value, int) and value.bit_length() > 1000:
            text = f"<{value.bit_length()}-bit integer>"  # printing it in full is refused by Python anyway
        else:
            text = _SHORT.repr(value)
    except Exception:  # a value's own __repr__ may fail in any way; the error report must still be written
        text = f"<unprintable {type(value).__name__}>"
    return text if len(text) <= VALUE_REPR_LIMIT else text[: VALUE_REPR_LIMIT - 1] + "…"


class FieldError(ValueError):
    """Base of the field errors: machine-readable `code`, and a `message` naming field, value and reason."""

    def __init__(self, field: str, value: object, code: str, reason: str) -> None:
        self.field = field
        self.value = short_repr(value)
        self.code = code
        self.reason = reason
        self.message = f"{field}: {reason} (value {self.value})"
        super().__init__(self.message)

    def __reduce__(self) -> tuple[Any, ...]:
        # Exceptions pickle as cls(*args); keep the four constructor arguments (value already as text).
        return (self.__class__, (self.field, _Shown(self.value), self.code, self.reason))

    def to_dict(self) -> dict[str, str]:
        """The error as a row of an error report or an API error detail."""
        return {"field": self.field, "value": self.value, "code": self.code, "message": self.message}


class _Shown(str):
    """A value already rendered by `short_repr` (so unpickling does not quote it twice)."""

    def __repr__(self) -> str:
        return str(self)


class FieldValueError(FieldError):
    """A value does not fit its field (wrong type, out of range, malformed …)."""


class FieldDefinitionError(FieldError):
    """A field definition or field setting is not acceptable (bad name, options, default …)."""
