"""Text results and text errors: explanations, problems located by span, and the grammar.

`TextError` reports every part of a text that could not be read. When the
whole text does not parse, it is cut at its top-level separators (``,`` ``;``
``.`` ``then``, never inside parentheses) and each piece is parsed alone, so
each unreadable part is named with its span and what the grammar expected.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from importlib import resources

from lark import Lark
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from tickdeck.core import InputError
from tickdeck.spec._model import StrategySpec

__all__ = [
    "Explanation",
    "TextError",
    "TextProblem",
    "TextResult",
    "grammar_parser",
    "syntax_problems",
]


@dataclass(frozen=True, slots=True)
class Explanation:
    """How one phrase of the text was understood; `start`/`end` index the text (end exclusive)."""

    phrase: str
    start: int
    end: int
    meaning: str


@dataclass(frozen=True, slots=True)
class TextProblem:
    """A part of the text that could not be understood, and what was expected there."""

    phrase: str
    start: int
    end: int
    expected: str


class TextError(InputError):
    """Text that does not make a valid spec; `problems` lists every part that failed."""

    def __init__(self, text: str, problems: list[TextProblem]) -> None:
        self.text = text
        self.problems = tuple(problems)
        first = self.problems[0]
        super().__init__(f"text[{first.start}:{first.end}]", first.phrase, first.expected)
        lines = [
            f"could not understand {len(self.problems)} part"
            f"{'s' if len(self.problems) > 1 else ''} of the text:"
        ]
        for problem in self.problems:
            lines.append(
                f"  characters {problem.start}-{problem.end} {problem.phrase!r}: "
                f"expected {problem.expected}"
            )
        self.args = ("\n".join(lines),)


@dataclass(frozen=True, slots=True)
class TextResult:
    """A spec read from text, how each phrase was understood, and which backend read it."""

    spec: StrategySpec
    explanations: tuple[Explanation, ...]
    backend: str


@cache
def grammar_parser() -> Lark:
    grammar = resources.files("tickdeck.spec").joinpath("english.lark").read_text("utf-8")
    return Lark(grammar, parser="earley", propagate_positions=True, ambiguity="resolve")


def _pieces(text: str) -> Iterator[tuple[int, int]]:
    """Spans of the text between top-level separators (, ; . then), for locating errors."""
    depth = 0
    start = 0
    index = 0
    while index < len(text):
        char = text[index]
        depth += (char == "(") - (char == ")")
        boundary = 0
        if depth <= 0 and (
            char in ",;" or (char == "." and not text[index + 1 : index + 2].isdigit())
        ):
            boundary = 1
        elif (
            depth <= 0
            and re.match(r"\bthen\b", text[index:], re.IGNORECASE)
            and (index == 0 or not text[index - 1].isalnum())
        ):
            boundary = 4
        if boundary:
            yield start, index
            start = index + boundary
            index += boundary
            continue
        index += 1
    yield start, len(text)


def syntax_problems(text: str) -> Iterator[TextProblem]:
    found = False
    for start, end in _pieces(text):
        piece = text[start:end]
        if not piece.strip():
            continue
        try:
            grammar_parser().parse(piece)
        except UnexpectedInput as error:
            found = True
            yield _problem(text, start, end, error)
    if not found:  # every piece alone is fine, so the joins are at fault: report the first
        try:
            grammar_parser().parse(text)
        except UnexpectedInput as error:
            yield _problem(text, 0, len(text), error)


def _problem(text: str, start: int, end: int, error: UnexpectedInput) -> TextProblem:
    where = start + (error.pos_in_stream if error.pos_in_stream is not None else end - start)
    where = min(max(where, start), end)
    leading = len(text[start:end]) - len(text[start:end].lstrip())
    phrase = text[start + leading : end].rstrip()
    found = text[where:end].strip()
    expected = _expected_words(error)
    at = f"at {found!r}" if found else "at the end"
    return TextProblem(phrase, start + leading, start + leading + len(phrase), f"{expected} ({at})")


_FRIENDLY = {
    "NUMBER": "a number",
    "INT": "a whole number",
    "SIGNED_NUMBER": "a number",
    "SIGNED_INT": "a whole number",
    "SYMBOL": "an instrument symbol (e.g. EURUSD)",
}


def _expected_words(error: UnexpectedInput) -> str:
    names: set[str] = set()
    if isinstance(error, UnexpectedCharacters):
        names = set(error.allowed or ())
    elif isinstance(error, UnexpectedToken | UnexpectedEOF):
        names = set(error.expected or ())
    terminals = {t.name: t for t in grammar_parser().terminals}
    words = set()
    for name in names:
        if name in _FRIENDLY:
            words.add(_FRIENDLY[name])
            continue
        terminal = terminals.get(name)
        if terminal is None:
            continue
        pattern = terminal.pattern
        if pattern.type == "str":
            words.add(repr(pattern.value))
        elif name.startswith("_DOT"):
            words.add("'.'")
    if not words:
        return "a clause such as 'buy when ...', 'stop loss 2%' or 'on 5-minute bars'"
    ordered = sorted(words, key=lambda w: (w.startswith("a") and not w.startswith("'"), w))
    listed = ", ".join(ordered[:16]) + (", ..." if len(ordered) > 16 else "")
    return f"one of {listed}"
