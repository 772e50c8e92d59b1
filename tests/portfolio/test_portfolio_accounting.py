"""Accounting rules, each on a hand-worked example: FIFO, shorts, flips, fees, marks, currencies."""

from __future__ import annotations

import math

import pytest

from tickdeck.core import Fill, Instrument, Side
from tickdeck.portfolio import ClosedLot, Portfolio

ACME = Instrument("ACME", "XNAS", "0.01")
ZETA = Instrument("ZETA", "XNAS", "0.01")
ES = Instrument("ES", "XCME", "0.25", multiplier=50, asset_class="future")
FDAX = Instrument("FDAX", "XEUR", "0.5", multiplier=25, currency="EUR", asset_class="future")

_order_ids = iter(range(1, 1_000_000))


def buy(
    instrument: Instrument, quantity: float, price: float, ts: int = 0, fee: float = 0.0
) -> Fill:
    return Fill(next(_order_ids), instrument.id, ts, Side.BUY, quantity, price, fee=fee)


def sell(
    instrument: Instrument, quantity: float, price: float, ts: int = 0, fee: float = 0.0
) -> Fill:
    return Fill(next(_order_ids), instrument.id, ts, Side.SELL, quantity, price, fee=fee)


def account(*instruments: Instrument, cash: float = 10_000.0) -> Portfolio:
    return Portfolio({i.id: i for i in instruments}, initial_cash=cash)


def test_a_buy_pays_notional_and_fee_and_a_sell_receives_them_back_less_the_fee() -> None:
    p = account(ACME)
    p.apply(buy(ACME, 10, 100.0, fee=1.0))
    assert p.cash == 10_000 - 1_000 - 1
    assert p.position(ACME.id) == 10
    p.apply(sell(ACME, 10, 103.0, fee=1.0))
    assert p.cash == 10_000 + 30 - 2
    assert p.realized_pnl(ACME.id) == 30  # gross of fees
    assert p.fees(ACME.id) == 2
    assert p.equity == 10_028
    assert p.position(ACME.id) == 0.0
    assert p.open_instruments() == ()


def test_a_short_receives_cash_and_gains_when_the_price_falls() -> None:
    p = account(ACME)
    p.apply(sell(ACME, 10, 50.0))
    assert p.position(ACME.id) == -10
    assert p.cash == 10_500
    p.mark(ACME.id, 45.0, 1)
    assert p.market_value(ACME.id) == -450
    assert p.unrealized_pnl(ACME.id) == 50
    assert p.equity == 10_050
    [effect_lot] = p.apply(buy(ACME, 10, 40.0, ts=2)).closed_lots
    assert effect_lot.side == Side.SELL
    assert effect_lot.gross_pnl == 100
    assert p.realized_pnl() == 100
    assert p.equity == 10_100


def test_closing_matches_the_oldest_lots_first() -> None:
    p = account(ACME)
    first, second = buy(ACME, 2, 10.0, ts=1), buy(ACME, 3, 20.0, ts=2)
    p.apply(first)
    p.apply(second)
    closing = sell(ACME, 4, 30.0, ts=3)
    effect = p.apply(closing)
    assert [(lot.entry_order_id, lot.quantity, lot.gross_pnl) for lot in effect.closed_lots] == [
        (first.order_id, 2, 40),
        (second.order_id, 2, 20),
    ]
    assert effect.realized_pnl == 60
    assert p.position(ACME.id) == 1
    assert p.average_cost(ACME.id) == 20  # what is left is the newer lot


def test_average_cost_weighs_open_lots_by_quantity() -> None:
    p = account(ACME)
    p.apply(buy(ACME, 1, 10.0))
    p.apply(buy(ACME, 3, 20.0))
    assert p.average_cost(ACME.id) == 17.5
    p.apply(sell(ACME, 1, 99.0))  # closes the 10.0 lot
    assert p.average_cost(ACME.id) == 20
    p.apply(sell(ACME, 3, 99.0))
    assert math.isnan(p.average_cost(ACME.id))


def test_a_fill_through_zero_closes_everything_and_opens_the_rest_on_the_other_side() -> None:
    p = account(ACME)
    entry = buy(ACME, 5, 10.0, ts=1, fee=2.0)
    p.apply(entry)
    flip = sell(ACME, 8, 12.0, ts=2, fee=8.0)  # 1.0 per unit: 5 close the long, 3 open a short
    effect = p.apply(flip)
    assert effect.position == -3
    assert effect.closed_lots == (
        ClosedLot(
            instrument=ACME.id,
            side=Side.BUY,
            quantity=5.0,
            entry_ts=1,
            entry_price=10.0,
            entry_order_id=entry.order_id,
            exit_ts=2,
            exit_price=12.0,
            exit_order_id=flip.order_id,
            gross_pnl=10.0,
            fees=2.0 + 5.0,  # all of the entry fee, 5/8 of the exit fee
        ),
    )
    assert p.average_cost(ACME.id) == 12
    cover = buy(ACME, 3, 11.0, ts=3)
    [short] = p.apply(cover).closed_lots
    assert (short.side, short.quantity, short.gross_pnl, short.fees) == (Side.SELL, 3, 3.0, 3.0)
    assert short.net_pnl == 0.0
    assert short.holding_ns == 1
    assert p.fees() == 10 == math.fsum(lot.fees for lot in p.closed_lots)


def test_positions_are_valued_at_the_mark_or_at_the_last_fill_until_the_first_mark() -> None:
    p = account(ACME, ZETA)
    p.apply(buy(ACME, 10, 100.0))
    assert p.valuation_price(ACME.id) == 100
    assert p.unrealized_pnl() == 0
    p.apply(buy(ACME, 10, 104.0))
    assert p.valuation_price(ACME.id) == 104  # never marked: the last fill
    assert p.unrealized_pnl(ACME.id) == 40
    p.mark(ACME.id, 101.0, 1)
    p.apply(buy(ACME, 1, 102.0, ts=2))
    assert p.valuation_price(ACME.id) == 101  # marked once: the mark, until the next one
    assert p.market_value(ACME.id) == 21 * 101
    assert math.isnan(p.valuation_price(ZETA.id))
    assert p.market_value(ZETA.id) == 0.0


def test_the_multiplier_scales_cash_value_and_pnl() -> None:
    p = account(ES, cash=100_000.0)
    p.apply(buy(ES, 2, 5000.0))
    assert p.cash == 100_000 - 2 * 5000 * 50
    p.mark(ES.id, 5001.25, 1)
    assert p.unrealized_pnl() == 2 * 1.25 * 50
    p.apply(sell(ES, 2, 5002.0))
    assert p.realized_pnl() == 2 * 2.0 * 50


def test_exposures_and_leverage_sum_the_values_of_longs_and_shorts() -> None:
    p = account(ACME, ZETA)
    p.apply(buy(ACME, 100, 50.0))  # +5000
    p.apply(sell(ZETA, 40, 25.0))  # -1000
    assert p.gross_exposure == 6000
    assert p.net_exposure == 4000 == p.market_value()
    assert p.equity == 10_000
    assert p.leverage == 0.6
    assert p.totals() == (10_000, 6_000, 6000, 4000)


def test_leverage_is_zero_when_flat_and_infinite_when_equity_is_gone() -> None:
    p = account(ACME, cash=1_000.0)
    assert p.leverage == 0
    p.apply(buy(ACME, 100, 10.0))
    p.mark(ACME.id, 0.01, 1)
    assert p.equity == 1.0
    assert p.leverage == 1.0
    p.mark(ACME.id, -1.0, 2)  # some instruments trade below zero
    assert p.equity == -100
    assert p.leverage == math.inf


def test_a_foreign_instrument_converts_cash_at_the_fill_and_value_at_the_mark() -> None:
    rates = {0: 1.10, 1: 1.20, 2: 1.25}
    p = Portfolio(
        {FDAX.id: FDAX, ACME.id: ACME},
        initial_cash=100_000.0,
        fx=lambda currency, ts: rates[ts],
    )
    p.apply(buy(FDAX, 2, 100.0, ts=0, fee=4.0))  # 5000 EUR at 1.10, fee 4 EUR
    assert p.cash == pytest.approx(100_000 - 5000 * 1.10 - 4 * 1.10)
    assert p.fees() == pytest.approx(4.4)
    p.mark(FDAX.id, 100.0, 1)  # the price has not moved, the euro has
    assert p.market_value() == pytest.approx(5000 * 1.20)
    assert p.unrealized_pnl() == pytest.approx(5000 * 0.10)
    effect = p.apply(sell(FDAX, 2, 102.0, ts=2))
    assert effect.realized_pnl == pytest.approx(5100 * 1.25 - 5000 * 1.10)
    assert p.equity == pytest.approx(100_000 + 5100 * 1.25 - 5000 * 1.10 - 4.4)
    assert math.isnan(p.average_cost(FDAX.id))  # flat


def test_marks_cost_no_conversion_and_each_mark_time_is_converted_once() -> None:
    calls: list[int] = []

    def fx(currency: str, ts: int) -> float:
        calls.append(ts)
        return 1.1

    p = Portfolio({FDAX.id: FDAX}, initial_cash=0.0, fx=fx)
    p.apply(buy(FDAX, 1, 100.0, ts=5))
    assert calls == [5]
    for ts in range(10, 20):
        p.mark(FDAX.id, 100.0 + ts, ts)
    assert calls == [5]  # marking only stores
    for _ in range(3):
        _ = p.equity
    assert calls == [5, 19]


def test_fill_effect_reports_the_change_of_the_account() -> None:
    p = account(ACME)
    p.apply(buy(ACME, 4, 10.0))
    fill = sell(ACME, 1, 12.0, fee=0.5)
    effect = p.apply(fill)
    assert effect.fill is fill
    assert (effect.position, effect.cash_change, effect.realized_pnl, effect.fee) == (
        3,
        11.5,
        2,
        0.5,
    )


def test_a_mark_before_any_position_is_kept_for_later() -> None:
    p = account(ACME)
    p.mark(ACME.id, 99.0, 1)
    p.apply(buy(ACME, 1, 100.0, ts=2))
    assert p.unrealized_pnl() == -1
