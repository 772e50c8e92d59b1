"""The engine's templates as JSON specs, shipped as package data in ``spec/templates``.

Four of the six templates are expressible as specs, with the same rules and
defaults as their hand-written classes (the tests run both and compare every
order and fill). `PairsTrading` and `MarketMaker` are not: docs/spec.md says
what the spec lacks for them.
"""

from __future__ import annotations

from importlib import resources

from tickdeck.core import InputError
from tickdeck.core.errors import suggest
from tickdeck.spec._load import parse_spec
from tickdeck.spec._model import StrategySpec

__all__ = ["UNEXPRESSIBLE_TEMPLATES", "template_names", "template_spec"]

UNEXPRESSIBLE_TEMPLATES: dict[str, str] = {
    "pairs_trading": (
        "two instruments in one rule (a spread of two legs), a rolling regression hedge "
        "ratio, and orders on two legs at once"
    ),
    "market_maker": (
        "two resting quotes at once, re-priced as the mid moves and skewed by inventory: "
        "its orders follow prices, not a target position"
    ),
}
"""Templates the spec cannot express, and what it would need for them."""


def template_names() -> tuple[str, ...]:
    """The names of the shipped template specs (their file names without `.json`)."""
    folder = resources.files("tickdeck.spec").joinpath("templates")
    return tuple(sorted(item.name[:-5] for item in folder.iterdir() if item.name.endswith(".json")))


def template_spec(name: str) -> StrategySpec:
    """The shipped spec of the template `name` (e.g. ``"sma_crossover"``), validated."""
    names = template_names()
    if name not in names:
        if name in UNEXPRESSIBLE_TEMPLATES:
            raise InputError(
                "template",
                name,
                f"one of {list(names)}",
                hint=f"the spec cannot express it: it needs {UNEXPRESSIBLE_TEMPLATES[name]}",
            )
        raise InputError("template", name, f"one of {list(names)}", hint=suggest(name, names))
    text = resources.files("tickdeck.spec").joinpath(f"templates/{name}.json").read_text("utf-8")
    return parse_spec(text, source=f"template {name}")
