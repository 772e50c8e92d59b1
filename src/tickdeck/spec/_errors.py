"""`SpecError`: every problem of an invalid spec, each with its field path, value and expectation.

Pydantic's errors are translated rather than passed through: a location
such as ``('long', 'entry', 'all', 'conditions', 1, 'compare', 'left')``
becomes ``long.entry.conditions[1].left`` (the union tags are not fields),
and "Input should be greater than or equal to 1" becomes "at least 1".
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from types import UnionType
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError

from tickdeck.core import InputError
from tickdeck.core.errors import suggest

__all__ = ["SpecError", "problems_from"]

Problem = tuple[str, object, str, str | None]

# Fields whose value is a tagged union: pydantic puts the tag in the location.
_UNION_FIELDS = {
    "data",
    "entry",
    "exit",
    "left",
    "right",
    "condition",
    "sizing",
    "fees",
    "slippage",
    "market_data",
    "order_entry",
    "report",
}
_UNION_LISTS = {"conditions", "indicators"}

_MESSAGES: tuple[tuple[str, str], ...] = (
    (r"^Input should be greater than or equal to (.+)$", r"at least \1"),
    (r"^Input should be less than or equal to (.+)$", r"at most \1"),
    (r"^Input should be greater than (.+)$", r"more than \1"),
    (r"^Input should be less than (.+)$", r"less than \1"),
    (r"^Input should be a valid integer.*$", "a whole number"),
    (r"^Input should be a valid number.*$", "a number"),
    (r"^Input should be a finite number$", "a finite number"),
    (r"^Input should be a valid string$", "a string"),
    (r"^Input should be a valid dictionary.*$", "an object"),
    (r"^Input should be a valid tuple$", "a list"),
    (r"^Input should be (.+)$", r"\1"),
    (r"^Field required$", "a value: the field is required"),
    (r"^Extra inputs are not permitted$", "no such field"),
    (r"^String should match pattern '(.+)'$", r"lower-case letters, digits and _ (pattern \1)"),
    (r"^Tuple should have at least (\d+) items? after validation.*$", r"at least \1 items"),
    (r"^String should have at most (\d+) characters?$", r"at most \1 characters"),
    (r"^String should have at least (\d+) characters?$", r"at least \1 characters"),
)


class SpecError(InputError):
    """An invalid strategy spec; `problems` lists (path, value, expected, hint) for each fault.

    It is an `InputError` whose `field`, `value` and `expected` are those of
    the first problem; its message lists them all, one per line.
    """

    def __init__(self, problems: Sequence[Problem], *, source: str = "spec") -> None:
        if not problems:
            raise ValueError("a SpecError needs at least one problem")
        self.problems = tuple(problems)
        self.source = source
        field, value, expected, hint = self.problems[0]
        super().__init__(field, value, expected, hint=hint)
        lines = [
            f"{source} is not valid ({len(self.problems)} problem"
            f"{'s' if len(self.problems) > 1 else ''}):"
        ]
        for path, bad, wanted, tip in self.problems:
            line = f"  {path or '(top level)'}: got {_show(bad)}, expected {wanted}"
            lines.append(line + (f" ({tip})" if tip else ""))
        self.args = ("\n".join(lines),)


def _show(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _path(loc: Sequence[int | str]) -> str:
    parts: list[str] = []
    previous: int | str | None = None
    for item in loc:
        if isinstance(item, int):
            parts.append(f"[{item}]")
        elif isinstance(previous, str) and previous in _UNION_FIELDS and parts:
            pass  # the union's tag, not a field
        elif isinstance(previous, int) and parts and _list_name(parts) in _UNION_LISTS:
            pass
        elif previous == "indicators" and parts and parts[-1] == ".indicators":
            parts.append(f".{item}")  # a key of the indicators mapping
            previous = "indicator"
            continue
        elif previous == "indicator":
            pass  # the indicator's kind tag
        elif item == "[key]":
            pass
        else:
            parts.append(f".{item}")
        previous = item
    return "".join(parts).lstrip(".")


def _list_name(parts: list[str]) -> str:
    for part in reversed(parts):
        if not part.startswith("["):
            return part.lstrip(".")
    return ""


def _expected(error: Any) -> tuple[str, str | None]:
    kind = error["type"]
    context = error.get("ctx") or {}
    if kind in ("union_tag_invalid", "union_tag_not_found"):
        tags = re.findall(r"'([^']+)'", str(context.get("expected_tags", "")))
        found = str(context.get("tag", ""))
        hint = suggest(found, tags) if found else None
        return f"one of {', '.join(repr(t) for t in tags)} as {context.get('discriminator')}", hint
    if kind == "literal_error":
        return str(context.get("expected")), None
    message = str(error["msg"])
    for pattern, replacement in _MESSAGES:
        if re.match(pattern, message):
            return re.sub(pattern, replacement, message), None
    return message, None


def _fields_at(root: type[BaseModel], loc: Sequence[int | str]) -> list[str]:
    """The field names of the model found at `loc` (tags and indexes resolved), if any."""
    current: Any = root
    for item in loc:
        current = _step(_unwrap(current), item)
        if current is None:
            return []
    current = _unwrap(current)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return list(current.model_fields)
    return []


def _unwrap(kind: Any) -> Any:
    while True:
        origin = get_origin(kind)
        if origin is Annotated:
            kind = get_args(kind)[0]
        elif origin in (Union, UnionType) and type(None) in get_args(kind):
            members = [k for k in get_args(kind) if k is not type(None)]
            kind = members[0] if len(members) == 1 else Union[tuple(members)]  # noqa: UP007
        else:
            return kind


def _step(kind: Any, item: int | str) -> Any:
    origin = get_origin(kind)
    if isinstance(kind, type) and issubclass(kind, BaseModel):
        field = kind.model_fields.get(str(item))
        return None if field is None else field.annotation
    if origin in (tuple, list):
        return get_args(kind)[0] if isinstance(item, int) else None
    if origin is dict:
        return get_args(kind)[1]
    if origin in (Union, UnionType):
        for member in get_args(kind):
            member = _unwrap(member)
            if isinstance(member, type) and issubclass(member, BaseModel):
                for tag_field in ("type", "kind"):
                    field = member.model_fields.get(tag_field)
                    if field is not None and item in get_args(field.annotation):
                        return member
    return None


def problems_from(error: ValidationError, root: type[BaseModel]) -> list[Problem]:
    """Each error of a pydantic `ValidationError` of `root` as (path, value, expected, hint)."""
    problems: list[Problem] = []
    errors = error.errors(include_url=False)
    for item in errors:
        if item["type"] == "too_short" and any(
            other is not item and other["loc"][: len(item["loc"])] == item["loc"]
            for other in errors
        ):
            continue  # an item failed and was left out: that error says it better
        context = item.get("ctx") or {}
        if item["type"] == "spec_rules":
            base = _path(item["loc"])
            for path, value, expected, hint in context["problems"]:
                problems.append((f"{base}.{path}" if base else path, value, expected, hint))
            continue
        expected, hint = _expected(item)
        path = _path(item["loc"])
        if item["type"] == "union_tag_invalid":
            path = f"{path}.{context.get('discriminator', '').strip(chr(39))}".lstrip(".")
        value = item.get("input")
        if item["type"] == "missing":
            value = None
        if item["type"] in ("union_tag_invalid", "union_tag_not_found"):
            value = context.get("tag")
        if item["type"] == "extra_forbidden" and item["loc"]:
            value = item["loc"][-1]
            allowed = _fields_at(root, item["loc"][:-1])
            expected = f"no field {value!r} here" + (f": one of {allowed}" if allowed else "")
            hint = suggest(str(value), allowed) if allowed else None
        problems.append((path, value, expected, hint))
    return problems
