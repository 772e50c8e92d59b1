"""English to spec with a real grammar (`english.lark`), offline, with an account of every phrase.

`parse_text` reads a sentence of clauses ("buy when ...", "stop loss 2%",
"on 5-minute bars") into a validated `StrategySpec` and returns, for each
phrase, how it was understood. Nothing is dropped: a part the grammar cannot
read is a `TextError` naming the phrase, its character span and what the
grammar expected there; when several parts fail, each is reported.
Indicators get canonical ids from their parameters (``sma_50``,
``bollinger_20_2``), so the same sentence always gives the same spec.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import partial
from typing import Any

from lark import Token, Tree
from lark.exceptions import UnexpectedInput

from tickdeck.spec._clauses import ClauseError, find, settings, subtrees, tokens
from tickdeck.spec._describe import describe, describe_condition, describe_indicator, number
from tickdeck.spec._errors import SpecError
from tickdeck.spec._load import parse_spec
from tickdeck.spec._model import SPEC_VERSION, StrategySpec
from tickdeck.spec._text import (
    Explanation,
    TextError,
    TextProblem,
    TextResult,
    grammar_parser,
    syntax_problems,
)

__all__ = ["Explanation", "TextError", "TextProblem", "TextResult", "parse_text"]


# -- the top level ----------------------------------------------------------------------


def parse_text(text: str) -> TextResult:
    """The spec a sentence describes; raises `TextError` for any part not understood."""
    if not text.strip():
        raise TextError(
            text,
            [
                TextProblem(
                    text,
                    0,
                    len(text),
                    "a strategy, e.g. 'buy when "
                    "RSI(14) is below 30, sell when RSI(14) is above 70'",
                )
            ],
        )
    try:
        tree = grammar_parser().parse(text)
    except UnexpectedInput:
        raise TextError(text, list(syntax_problems(text))) from None
    builder = _Builder(text)
    for clause in tree.children:
        if isinstance(clause, Tree):
            builder.clause(clause)
    return builder.finish()


# -- building the spec from the tree ----------------------------------------------------

_RULES = {
    "long_entry": ("long", "entry"),
    "short_entry": ("short", "entry"),
    "long_exit": ("long", "exit"),
    "short_exit": ("short", "exit"),
}
_COMPARATORS = {"above": ">", "below": "<", "at_least": ">=", "at_most": "<="}
_FIELDS = {
    "price_field": "price",
    "close_field": "close",
    "open_field": "open",
    "high_field": "high",
    "low_field": "low",
    "volume_field": "volume",
}
_MACD_OUTPUTS = {"macd_line": "line", "macd_signal": "signal", "macd_histogram": "histogram"}
_BANDS = {"upper_band": "upper", "lower_band": "lower", "middle_band": "middle"}
_AVERAGES = {"sma_name": "sma", "ema_name": "ema", "wma_name": "wma"}
_DEFAULT_PERIODS = {"rsi": 14, "atr": 14}
_LABELS = {
    "sma": "SMA",
    "ema": "EMA",
    "wma": "WMA",
    "std": "standard deviation",
    "zscore": "z-score",
    "max": "high",
    "min": "low",
    "return": "return",
    "vwap": "VWAP",
}


def _value(token: Token) -> float:
    return float(token)


def _int(token: Token) -> int:
    return int(float(token))


Meaning = Callable[[StrategySpec], str]


class _Builder:
    """Collects a spec as a plain mapping while walking the clauses, with spans and problems."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.spec: dict[str, Any] = {"spec_version": SPEC_VERSION, "indicators": {}}
        self.origins: dict[str, tuple[int, int]] = {}  # spec path -> span that set it
        self.notes: list[tuple[int, int, Meaning]] = []
        self.problems: list[TextProblem] = []
        self.sizes: list[tuple[dict[str, Any], tuple[int, int]]] = []
        self.exits: list[tuple[dict[str, Any], tuple[int, int]]] = []
        self.indicator_spans: dict[str, tuple[int, int]] = {}

    # -- bookkeeping --------------------------------------------------------------------

    def span(self, tree: Tree[Any]) -> tuple[int, int]:
        meta = tree.meta
        if getattr(meta, "empty", True):
            return 0, 0
        return meta.start_pos, meta.end_pos

    def fail(self, where: tuple[int, int], expected: str) -> None:
        start, end = where
        self.problems.append(TextProblem(self.text[start:end], start, end, expected))

    def note(self, where: tuple[int, int], meaning: Meaning | str) -> None:
        self.notes.append((*where, meaning if callable(meaning) else partial(_fixed, meaning)))

    def put(self, path: str, value: Any, where: tuple[int, int]) -> bool:
        """Set a spec field; a second setting of the same field is a problem, not an override."""
        if path in self.origins:
            first = self.origins[path]
            self.fail(
                where, f"one setting of {path} (already set by {self.text[first[0] : first[1]]!r})"
            )
            return False
        self.origins[path] = where
        target = self.spec
        *parents, last = path.split(".")
        for part in parents:
            target = target.setdefault(part, {})
        target[last] = value
        return True

    # -- clauses ------------------------------------------------------------------------

    def clause(self, tree: Tree[Any]) -> None:
        handler = getattr(self, f"_clause_{tree.data}", None)
        if handler is None:
            handler = self._clause_setting
        handler(tree)

    def _clause_rule_clause(self, tree: Tree[Any]) -> None:
        where = self.span(tree)
        action_tree, *rest = subtrees(tree)
        action = subtrees(action_tree)[0].data
        amount = rest[0] if len(rest) == 2 else None
        condition = self.condition(rest[-1])
        if amount is not None:
            self.sizes.append((self._amount(amount), self.span(amount)))
        if action == "any_exit":
            self.exits.append((condition, where))
            return
        side, part = _RULES[str(action)]
        if self.put(f"{side}.{part}", condition, where):
            self.note(where, partial(_rule_meaning, side, part))

    def _amount(self, tree: Tree[Any]) -> dict[str, Any]:
        if tree.data == "amount_units":
            return {"type": "fixed", "quantity": _value(tokens(tree)[0])}
        percent = find(tree, "percent")
        assert percent is not None  # the grammar's amount_equity has one
        return {"type": "percent_of_equity", "percent": _value(tokens(percent)[0])}

    def _clause_setting(self, tree: Tree[Any]) -> None:
        where = self.span(tree)
        try:
            found = list(settings(tree))
        except ClauseError as problem:
            self.fail(where, str(problem))
            return
        for path, value, meaning in found:
            if self.put(path, value, where):
                self.note(where, meaning)

    # -- conditions ---------------------------------------------------------------------

    def condition(self, tree: Tree[Any]) -> dict[str, Any]:
        kind = tree.data
        if kind in ("comparison", "crossing"):
            left, relation, right = subtrees(tree)
            operands = (self.operand(left), self.operand(right))
            if kind == "comparison":
                op = _COMPARATORS[str(relation.data)]
                return {"type": "compare", "left": operands[0], "op": op, "right": operands[1]}
            direction = "above" if relation.data == "cross_above" else "below"
            return {
                "type": "cross",
                "left": operands[0],
                "direction": direction,
                "right": operands[1],
            }
        if kind == "negated":
            return {"type": "not", "condition": self.condition(subtrees(tree)[0])}
        parts = [self.condition(child) for child in subtrees(tree)]
        return {"type": "all" if kind == "conjunction" else "any", "conditions": parts}

    def operand(self, tree: Tree[Any]) -> dict[str, Any]:
        if tree.data == "number":
            return {"type": "constant", "value": _value(tokens(tree)[0])}
        if tree.data == "field":
            return {"type": "price", "field": _FIELDS[str(subtrees(tree)[0].data)]}
        key, output = self.indicator(tree)
        return {"type": "indicator", "id": key, "output": output}

    # -- indicators ---------------------------------------------------------------------

    def indicator(self, tree: Tree[Any]) -> tuple[str, str | None]:
        """Register the indicator a phrase names (and its input); its id and output."""
        body, *source = subtrees(tree)
        input_name = "price"
        if source:
            if source[0].data == "field":
                input_name = _FIELDS[str(subtrees(source[0])[0].data)]
            else:
                key, output = self.indicator(source[0])
                input_name = key if output is None else f"{key}.{output}"
        where = self.span(tree)
        kind, parameters, output = self._indicator_body(body)
        if input_name != "price" and kind not in ("atr", "vwap"):
            parameters["input"] = input_name
        elif input_name != "price":
            self.fail(
                where, f"no 'of ...' after {kind.upper()}: it reads the bars or trades themselves"
            )
        key = _canonical_id(kind, parameters)
        entry = {"kind": kind, **parameters}
        if key not in self.spec["indicators"]:
            self.spec["indicators"][key] = entry
            self.indicator_spans[key] = where
            self.note(where, partial(_explain, key, output))
        return key, output

    def _indicator_body(self, body: Tree[Any]) -> tuple[str, dict[str, Any], str | None]:
        where = self.span(body)
        window = find(body, "window")
        arguments = find(body, "arguments")
        numbers = [] if arguments is None else [_value(t) for t in tokens(arguments)]
        period = None if window is None else _int(tokens(window)[0])
        kind = body.data
        if kind == "moving_average":
            name = find(body, "sma_name", "ema_name", "wma_name")
            assert name is not None  # the grammar requires the average's name
            kind = _AVERAGES[str(name.data)]
        if kind == "macd":
            output_tree = find(body, "macd_line", "macd_signal", "macd_histogram")
            output = "line" if output_tree is None else _MACD_OUTPUTS[str(output_tree.data)]
            if numbers and len(numbers) != 3:
                self.fail(
                    where,
                    "MACD with three periods (fast, slow, signal) or none, e.g. MACD(12, 26, 9)",
                )
                numbers = []
            fast, slow, signal = (int(n) for n in numbers) if numbers else (12, 26, 9)
            return "macd", {"fast": fast, "slow": slow, "signal": signal}, output
        if kind == "bollinger":
            band = find(body, "upper_band", "lower_band", "middle_band")
            assert band is not None  # the grammar requires the band
            if len(numbers) > 2:
                self.fail(where, "Bollinger bands with (period, k), e.g. (20, 2)")
            first = int(numbers[0]) if numbers else None
            chosen = self._period(where, period, first, "Bollinger bands", default=20)
            k = numbers[1] if len(numbers) == 2 else 2.0
            return "bollinger", {"period": chosen, "k": k}, _BANDS[str(band.data)]
        kind = {
            "deviation": "std",
            "simple_return": "return",
            "rolling_max": "max",
            "rolling_min": "min",
        }.get(str(kind), str(kind))
        if len(numbers) > 1:
            label = _LABELS.get(kind, kind.upper())
            self.fail(where, f"one period for {label}, e.g. {label}(20)")
        first = int(numbers[0]) if numbers else None
        if kind == "vwap" and period is None and first is None:
            return "vwap", {"period": None}, None
        default = _DEFAULT_PERIODS.get(kind)
        return kind, {"period": self._period(where, period, first, kind, default=default)}, None

    def _period(
        self,
        where: tuple[int, int],
        window: int | None,
        argument: int | None,
        name: str,
        *,
        default: int | None,
    ) -> int:
        if window is not None and argument is not None and window != argument:
            self.fail(where, f"one period for {name}, not {window} and {argument}")
        chosen = window if window is not None else argument
        if chosen is None:
            if default is None:
                label = _LABELS.get(name, name)
                self.fail(
                    where, f"a period for {label}, e.g. 'the 50-period {label}' or '{label}(50)'"
                )
                return 1
            return default
        return chosen

    # -- the end ------------------------------------------------------------------------

    def finish(self) -> TextResult:
        self._resolve_exits()
        self._resolve_sizes()
        self._defaults()
        if self.problems:
            raise TextError(self.text, self.problems)
        spec_data = dict(self.spec)
        try:
            spec = parse_spec(spec_data, source="the spec read from the text")
        except SpecError as error:
            raise TextError(
                self.text, [self._locate(problem) for problem in error.problems]
            ) from None
        spec = spec.model_copy(update={"description": describe(spec)})
        explanations = [
            Explanation(self.text[start:end], start, end, meaning(spec))
            for start, end, meaning in sorted(self.notes, key=lambda n: (n[0] == n[1], n[0]))
        ]
        return TextResult(spec, tuple(explanations), "grammar")

    def _resolve_exits(self) -> None:
        for condition, where in self.exits:
            sides = [side for side in ("long", "short") if side in self.spec]
            if not sides:
                self.fail(
                    where,
                    "an entry rule ('buy when ...' or 'short when ...') for the exit to close",
                )
            for side in sides:
                if self.put(f"{side}.exit", condition, where):
                    self.note(where, partial(_rule_meaning, side, "exit"))

    def _resolve_sizes(self) -> None:
        for sizing, where in self.sizes:
            if "sizing" in self.origins and self.spec.get("sizing") != sizing:
                self.put("sizing", sizing, where)  # reports the conflict
            elif "sizing" not in self.origins:
                self.put("sizing", sizing, where)
                self.note(where, _sizing_meaning)

    def _defaults(self) -> None:
        if "data" not in self.spec:
            self.spec["data"] = {"type": "quotes"}
            self.note((0, 0), "no data given: evaluated on every quote (the default)")
        if "sizing" not in self.spec:
            self.spec["sizing"] = {"type": "fixed", "quantity": 1.0}
            self.note((0, 0), "no size given: 1 unit per position (the default)")

    def _locate(self, problem: tuple[str, object, str, str | None]) -> TextProblem:
        path, value, expected, hint = problem
        where = (0, len(self.text))
        for origin, span in self.origins.items():
            if path == origin or path.startswith(origin + "."):
                where = span
        match = re.match(r"indicators\.([a-z0-9_]+)", path)
        if match and match.group(1) in self.indicator_spans:
            where = self.indicator_spans[match.group(1)]
        detail = f"{expected} ({path}: got {value!r}{'; ' + hint if hint else ''})"
        return TextProblem(self.text[where[0] : where[1]], where[0], where[1], detail)


def _canonical_id(kind: str, parameters: dict[str, Any]) -> str:
    parts = [kind]
    for name in ("period", "fast", "slow", "signal", "k"):
        value = parameters.get(name)
        if value is not None:
            parts.append(number(value).replace(".", "_").replace("-", "m"))
    key = "_".join(parts)
    source = parameters.get("input")
    if source:
        key += "_of_" + str(source).replace(".", "_")
    return key


def _fixed(meaning: str, spec: StrategySpec) -> str:
    return meaning


def _rule_meaning(side: str, part: str, spec: StrategySpec) -> str:
    condition = getattr(getattr(spec, side), part)
    return f"{side} {part}: {describe_condition(spec, condition)}"


def _explain(key: str, output: str | None, spec: StrategySpec) -> str:
    indicator = spec.indicators[key]
    full = {
        "sma": "simple moving average",
        "ema": "exponential moving average",
        "wma": "weighted moving average",
        "rsi": "Wilder's RSI",
        "macd": "MACD",
        "bollinger": "Bollinger bands",
        "atr": "average true range",
        "vwap": "volume-weighted average price",
        "std": "rolling standard deviation",
        "zscore": "rolling z-score",
        "max": "rolling maximum",
        "min": "rolling minimum",
        "return": "simple return",
    }[indicator.kind]
    fields = {
        name: value
        for name, value in indicator.model_dump().items()
        if name not in ("kind", "input") and value is not None
    }
    settings = ", ".join(f"{name} {number(value)}" for name, value in fields.items())
    source = getattr(indicator, "input", "price")
    reads = describe_indicator(spec, key, output)
    settings = settings or "cumulative"
    return f"indicator {key}: {full} ({settings}) of the {source}; this phrase reads {reads}"


def _sizing_meaning(spec: StrategySpec) -> str:
    sizing = spec.sizing.model_dump()
    kind = sizing.pop("type")
    return f"sizing: {kind} " + ", ".join(f"{k} {number(v)}" for k, v in sizing.items())
