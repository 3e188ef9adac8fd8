"""Declared input: a Field for each value a client may send, a Schema for each message, body
or config. Websocket commands, REST bodies, device configs and effect options are all
declared this way, and the same declarations both validate and describe themselves for
`/api/schema`, so the documentation cannot drift from the checks.

Validation names every problem at once, as "path: reason" ("speed: must be a number
between 0 and 10 (got 99)", "target.mode: must be one of all, type"). JSON null counts as
absent, as it does for LedFx. Pure: no Django, no I/O.
"""

import copy
import math
from dataclasses import dataclass

from ledfxsite.colors import parse_color, parse_gradient

KINDS = ("bool", "int", "float", "string", "choice", "color", "gradient", "object", "list", "tuple", "any")
JSON_TYPES = {
    "bool": "boolean",
    "int": "integer",
    "float": "number",
    "string": "string",
    "choice": "string",
    "color": "color",
    "gradient": "color",
    "object": "object",
    "list": "array",
    "tuple": "array",
    "any": "string",
}


class Invalid(ValueError):
    """Input that does not fit its schema.

    `problems` is a list of (path, reason), path a tuple of keys and list positions;
    `missing` names the required top-level fields that were absent, in declared order.
    """

    def __init__(self, problems, missing=()):
        self.problems = problems
        self.missing = list(missing)
        self.messages = [describe(path, reason) for path, reason in problems]
        super().__init__("; ".join(self.messages))


def describe(path, reason):
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return f"{text}: {reason}" if text else reason


def number_text(value):
    return f"{value:g}" if isinstance(value, float) else str(value)


@dataclass(frozen=True)
class Field:
    """One value: its JSON kind, default, bounds and description.

    minimum/maximum bound numbers; max_length bounds strings; blank=False refuses empty
    or all-space strings; choices lists a "choice"'s values; `of` is the Schema of an
    "object", the Field of a "list"'s items, or the tuple of Fields of a "tuple". A
    required field with a default is filled in when absent (voluptuous's Required with a
    default, as LedFx's schemas use it); /api/schema lists it as required. An `unset`
    field stays out of the cleaned data when absent (voluptuous's Optional without a
    default).
    """

    name: str
    kind: str
    default: object = None
    description: str = ""
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple = ()
    required: bool = False
    max_length: int | None = None
    blank: bool = True
    of: object = None
    unset: bool = False

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"{self.name}: unknown kind {self.kind!r}")

    def fresh_default(self):
        return copy.deepcopy(self.default)

    def clean(self, value):
        """The value in canonical form, or Invalid naming what is wrong (paths relative to it)."""
        clean = getattr(self, f"clean_{self.kind}")
        try:
            return clean(value)
        except Invalid:
            raise
        except ValueError as exc:
            raise Invalid([((), str(exc))]) from None

    def clean_bool(self, value):
        if not isinstance(value, bool):
            raise ValueError(f"must be true or false (got {value!r})")
        return value

    def clean_int(self, value):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value != int(value):
            raise ValueError(f"must be a whole number{self.range_text()} (got {value!r})")
        self.check_range(value, "a whole number")
        return int(value)

    def clean_float(self, value):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise ValueError(f"must be a number{self.range_text()} (got {value!r})")
        self.check_range(value, "a number")
        return float(value)

    def range_text(self):
        if self.minimum is not None and self.maximum is not None:
            return f" between {number_text(self.minimum)} and {number_text(self.maximum)}"
        if self.minimum is not None:
            return f" of at least {number_text(self.minimum)}"
        if self.maximum is not None:
            return f" of at most {number_text(self.maximum)}"
        return ""

    def check_range(self, value, noun):
        if (self.minimum is not None and value < self.minimum) or (self.maximum is not None and value > self.maximum):
            raise ValueError(f"must be {noun}{self.range_text()} (got {value!r})")

    def clean_string(self, value):
        if not isinstance(value, str):
            raise ValueError(f"must be a string (got {value!r})")
        if not self.blank and not value.strip():
            raise ValueError("must not be empty")
        if self.max_length is not None and len(value) > self.max_length:
            raise ValueError(f"must be at most {self.max_length} characters (got {len(value)})")
        return value

    def clean_choice(self, value):
        if isinstance(value, bool) or value not in self.choices:
            raise ValueError(f"must be one of {', '.join(map(str, self.choices))} (got {value!r})")
        return value

    def clean_any(self, value):
        return value

    def clean_color(self, value):
        parse_color(value)
        return value

    def clean_gradient(self, value):
        parse_gradient(value)
        return value

    def clean_object(self, value):
        if not isinstance(value, dict):
            raise ValueError(f"must be an object (got {type(value).__name__})")
        return self.of.clean(value) if self.of is not None else value

    def clean_list(self, value):
        if not isinstance(value, list):
            raise ValueError(f"must be a list (got {type(value).__name__})")
        if self.of is None:
            return value
        return collect(((position,), self.of.clean, item) for position, item in enumerate(value))

    def clean_tuple(self, value):
        names = ", ".join(field.name for field in self.of)
        if not isinstance(value, list) or len(value) != len(self.of):
            raise ValueError(f"must be a list of {len(self.of)} values: {names} (got {value!r})")
        return collect(((position,), field.clean, item) for position, (field, item) in enumerate(zip(self.of, value)))

    def json_schema(self):
        """The field as LedFx's /api/schema describes one."""
        prop = {"type": JSON_TYPES[self.kind]}
        if self.kind in ("int", "float"):
            prop.update({key: value for key, value in (("minimum", self.minimum), ("maximum", self.maximum)) if value is not None})
        if self.kind == "string" and self.max_length is not None:
            prop["maxLength"] = self.max_length
        if self.kind == "choice":
            prop["enum"] = list(self.choices)
        if self.kind in ("color", "gradient"):
            prop["gradient"] = self.kind == "gradient"
        if self.kind == "object" and self.of is not None:
            prop.update(self.of.json_schema())
        if self.kind == "list" and self.of is not None:
            prop["items"] = self.of.json_schema()
        if self.kind == "tuple":
            prop["items"] = [field.json_schema() for field in self.of]
        prop["title"] = self.name.replace("_", " ").title()
        if self.description:
            prop["description"] = self.description
        if self.default is not None:
            prop["default"] = self.default
        return prop


def collect(items):
    """Clean each (path, clean, value); Invalid with every problem, prefixed by its path."""
    cleaned, problems = [], []
    for path, clean, value in items:
        try:
            cleaned.append(clean(value))
        except Invalid as nested:
            problems.extend((path + inner, reason) for inner, reason in nested.problems)
    if problems:
        raise Invalid(problems)
    return cleaned


class Schema:
    """An object's fields, in order. `extra` says what happens to keys it does not declare:
    "forbid" names them as problems, "ignore" drops them, "keep" passes them through."""

    def __init__(self, *fields, extra="forbid"):
        if extra not in ("forbid", "ignore", "keep"):
            raise ValueError(f"extra must be forbid, ignore or keep (got {extra!r})")
        self.fields = {field.name: field for field in fields}
        self.extra = extra

    def clean(self, data):
        """A new dict: every declared field cleaned or defaulted, extras per `extra`."""
        if not isinstance(data, dict):
            raise Invalid([((), f"must be an object (got {type(data).__name__})")])
        problems, missing, cleaned = [], [], {}
        if self.extra == "forbid":
            unknown = [key for key in data if key not in self.fields]
            problems.extend(((key,), f"unknown key (known keys: {', '.join(self.fields)})") for key in unknown)
        elif self.extra == "keep":
            cleaned.update((key, value) for key, value in data.items() if key not in self.fields)
        for name, field in self.fields.items():
            value = data.get(name)
            if value is None:
                if field.unset:
                    continue
                if field.required and field.default is None:
                    missing.append(name)
                    problems.append(((name,), "is required"))
                else:
                    cleaned[name] = field.fresh_default()
                continue
            try:
                cleaned[name] = field.clean(value)
            except Invalid as nested:
                problems.extend(((name,) + path, reason) for path, reason in nested.problems)
        if problems:
            raise Invalid(problems, missing)
        return cleaned

    def json_schema(self):
        schema = {"properties": {name: field.json_schema() for name, field in self.fields.items()}}
        required = [name for name, field in self.fields.items() if field.required]
        if required:
            schema["required"] = required
        return schema
