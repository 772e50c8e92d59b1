"""Invalid input fails loudly, naming the field, the value and what was expected."""

from __future__ import annotations

import math

import pytest

from tickdeck.core import Fill, InputError, Instrument, Side
from tickdeck.portfolio import EquityRecorder, Portfolio

ACME = Instrument("ACME", "XNAS", "0.01")
FDAX = Instrument("FDAX", "XEUR", "0.5", multiplier=25, currency="EUR", asset_class="future")


def account() -> Portfolio:
    return Portfolio({ACME.id: ACME}, initial_cash=1_000.0)


def test_a_fill_for_an_unknown_instrument_is_refused_with_a_suggestion() -> None:
    with pytest.raises(InputError) as caught:
        account().apply(Fill(1, "ACNE.XNAS", 0, Side.BUY, 1.0, 10.0))
    assert caught.value.field == "fill.instrument"
    assert caught.value.value == "ACNE.XNAS"
    assert caught.value.hint == "did you mean 'ACME.XNAS'?"


@pytest.mark.parametrize(
    "query",
    [
        lambda p: p.mark("NOPE.X", 1.0, 0),
        lambda p: p.position("NOPE.X"),
        lambda p: p.average_cost("NOPE.X"),
        lambda p: p.realized_pnl("NOPE.X"),
        lambda p: p.unrealized_pnl("NOPE.X"),
        lambda p: p.fees("NOPE.X"),
        lambda p: p.market_value("NOPE.X"),
        lambda p: p.valuation_price("NOPE.X"),
    ],
)
def test_every_read_and_mark_refuses_an_unknown_instrument(query: object) -> None:
    with pytest.raises(InputError) as caught:
        query(account())  # type: ignore[operator]
    assert caught.value.value == "NOPE.X"


@pytest.mark.parametrize("price", [math.nan, math.inf, -math.inf])
def test_a_non_finite_mark_is_refused_and_the_previous_mark_kept(price: float) -> None:
    p = account()
    p.mark(ACME.id, 10.0, 0)
    with pytest.raises(InputError) as caught:
        p.mark(ACME.id, price, 1)
    assert caught.value.field == "mark.price"
    assert p.valuation_price(ACME.id) == 10.0


def test_a_foreign_instrument_without_fx_names_the_instrument_and_its_currency() -> None:
    with pytest.raises(InputError) as caught:
        Portfolio({FDAX.id: FDAX}, initial_cash=0.0)
    assert "FDAX.XEUR" in str(caught.value)
    assert "EUR" in str(caught.value)


def test_a_bad_fx_rate_is_refused_at_the_fill_that_needs_it() -> None:
    p = Portfolio({FDAX.id: FDAX}, initial_cash=0.0, fx=lambda currency, ts: math.nan)
    with pytest.raises(InputError) as caught:
        p.apply(Fill(1, FDAX.id, 7, Side.BUY, 1.0, 100.0))
    assert caught.value.field == "fx"
    assert "fx('EUR', 7)" in str(caught.value)


@pytest.mark.parametrize(
    ("build", "field"),
    [
        (lambda: Portfolio({"ACME": ACME}, initial_cash=0.0), "instruments"),
        (lambda: Portfolio([ACME], initial_cash=0.0), "instruments"),
        (lambda: Portfolio({ACME.id: "ACME"}, initial_cash=0.0), "instruments['ACME.XNAS']"),
        (lambda: Portfolio({ACME.id: ACME}, initial_cash=math.nan), "initial_cash"),
        (lambda: Portfolio({ACME.id: ACME}, initial_cash="lots"), "initial_cash"),
        (
            lambda: Portfolio({ACME.id: ACME}, initial_cash=0.0, base_currency="usd"),
            "base_currency",
        ),
        (lambda: Portfolio({ACME.id: ACME}, initial_cash=0.0, fx=1.1), "fx"),
        (lambda: EquityRecorder(account(), capacity=0), "capacity"),
    ],
)
def test_invalid_construction_names_the_field(build: object, field: str) -> None:
    with pytest.raises(InputError) as caught:
        build()  # type: ignore[operator]
    assert caught.value.field == field


def test_samples_cannot_go_back_in_time() -> None:
    recorder = EquityRecorder(account())
    recorder.sample(10)
    recorder.sample(10)
    with pytest.raises(InputError) as caught:
        recorder.sample(9)
    assert caught.value.field == "ts"
    assert len(recorder) == 2
