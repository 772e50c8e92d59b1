"""The closed loop: a strategy trades inside the agent-based market, and its orders move it."""

from __future__ import annotations

import numpy as np
import pytest

from tickdeck.core import (
    Fill,
    FillBasis,
    Instrument,
    Liquidity,
    OrderStatus,
    OrderUpdate,
    Quote,
    RejectReason,
)
from tickdeck.engine import ClosedLoopConfig, run_closed_loop
from tickdeck.results.run import RunResult
from tickdeck.strategy.base import Strategy
from tickdeck.strategy.templates import TEMPLATES
from tickdeck.synth.abm import AbmConfig

ABM = Instrument("ABM", "SIM", "0.01")
T0 = 1_704_200_000_000_000_000
SECOND = 1_000_000_000


def config(seed: int = 1, seconds: int = 60) -> ClosedLoopConfig:
    market = AbmConfig(
        instrument=ABM, initial_price=100.0, start_ns=T0, duration_ns=seconds * SECOND
    )
    return ClosedLoopConfig(market, seed=seed)


class Recording(Strategy):
    """Records what it is told; subclasses act."""

    def on_start(self) -> None:
        self.quotes = 0
        self.updates: list[OrderUpdate] = []
        self.fills: list[Fill] = []

    def on_quote(self, quote: Quote) -> None:
        self.quotes += 1
        self.act(quote)

    def act(self, quote: Quote) -> None:
        pass

    def on_order(self, update: OrderUpdate) -> None:
        self.updates.append(update)

    def on_fill(self, fill: Fill) -> None:
        self.fills.append(fill)


def run(strategy: type[Strategy], **kwargs: object) -> tuple[RunResult, Strategy]:
    made: list[Strategy] = []

    class Kept(strategy):  # type: ignore[valid-type, misc]
        def on_start(self) -> None:
            made.append(self)
            super().on_start()

    result = run_closed_loop(Kept, config(**kwargs))  # type: ignore[arg-type]
    return result, made[0]


class Buyer(Recording):
    """Buys 5 lots at market every 20th quote: steady pressure on the offer."""

    def act(self, quote: Quote) -> None:
        if self.quotes % 20 == 0:
            self.buy(5)


def test_the_same_seed_gives_the_same_run_and_the_market_is_synthetic() -> None:
    first, _ = run(Buyer)
    second, _ = run(Buyer)
    other, _ = run(Buyer, seed=2)
    assert first.fills
    assert first.fills == second.fills
    assert first.orders == second.orders
    assert first.fills != other.fills
    assert first.fidelity.synthetic_events == first.events > 0
    assert first.data_fingerprint.startswith("abm:")


def test_our_buying_moves_the_price_the_agents_then_trade_at() -> None:
    pushed, _ = run(Buyer)
    quiet, _ = run(Recording)
    _, pushed_prices = pushed.marks.of(ABM.id)
    _, quiet_prices = quiet.marks.of(ABM.id)
    assert len(quiet.fills) == 0
    # The same agents and the same random draws: the difference is our orders.
    assert pushed_prices[-1] > quiet_prices[-1]
    assert np.mean(pushed_prices[len(pushed_prices) // 2 :]) > np.mean(
        quiet_prices[len(quiet_prices) // 2 :]
    )


class RestingBid(Recording):
    """One limit buy two ticks under the bid, left to the agents' flow."""

    def act(self, quote: Quote) -> None:
        if self.quotes == 10:
            self.buy(1, limit=round(quote.bid_price - 0.02, 2))


def test_a_resting_order_is_filled_by_the_agents_as_a_maker() -> None:
    result, strategy = run(RestingBid, seconds=120)
    assert isinstance(strategy, RestingBid)
    [order] = result.orders
    assert order.status == OrderStatus.FILLED
    assert all(f.liquidity == Liquidity.MAKER and f.basis == FillBasis.BOOK for f in result.fills)
    assert strategy.updates[0].order.status == OrderStatus.ACCEPTED
    assert result.final_equity == pytest.approx(
        result.equity.cash[-1] + result.marks.of(ABM.id)[1][-1] * 1, rel=1e-9
    )


class StopAndCancel(Recording):
    """A stop (the venue has none) and a limit it cancels twice."""

    def act(self, quote: Quote) -> None:
        if self.quotes == 5:
            self.sell(1, stop=round(quote.bid_price - 0.5, 2))
            self.resting = self.buy(1, limit=round(quote.bid_price - 1.0, 2))
        if self.quotes == 50:
            self.cancel(self.resting)
        if self.quotes == 60:
            self.cancel(self.resting)


def test_what_the_venue_cannot_do_is_rejected_and_cancels_are_answered() -> None:
    result, strategy = run(StopAndCancel)
    assert isinstance(strategy, StopAndCancel)
    stop, limit = result.orders
    assert (stop.status, stop.reject_reason) == (
        OrderStatus.REJECTED,
        RejectReason.UNSUPPORTED_BY_VENUE,
    )
    assert limit.status == OrderStatus.CANCELED
    assert strategy.updates[-1].refused == RejectReason.ORDER_NOT_OPEN
    assert strategy.updates[-1].order.status == OrderStatus.CANCELED


def test_a_template_runs_unchanged_in_the_closed_loop() -> None:
    result = run_closed_loop(
        TEMPLATES["sma_crossover"], config(), {"fast": 20, "slow": 100, "quantity": 3}
    )
    assert result.complete
    assert result.trades
    assert {f.order_id for f in result.fills} <= {o.order_id for o in result.orders}
    assert result.config["closed_loop"]["step_ns"] == 1_000_000


class CancelAtTheTouch(Recording):
    """Rests 5 lots at the bid and cancels it on the next quote, every 4 quotes: the
    market, a step ahead of the strategy, has often filled some of it already."""

    def on_start(self) -> None:
        super().on_start()
        self.resting: int | None = None

    def act(self, quote: Quote) -> None:
        if self.quotes % 4 == 1:
            self.resting = self.buy(5, limit=quote.bid_price)
        elif self.quotes % 4 == 2 and self.resting is not None:
            self.cancel(self.resting)
            self.resting = None


class ModifyAtTheTouch(Recording):
    """Rests 20 lots at the bid and grows it to 25 twenty quotes later."""

    def act(self, quote: Quote) -> None:
        if self.quotes % 40 == 1:
            self.resting = self.buy(20, limit=quote.bid_price)
        elif self.quotes % 40 == 21:
            self.modify(self.resting, quantity=25)


@pytest.mark.parametrize("strategy", [CancelAtTheTouch, ModifyAtTheTouch])
@pytest.mark.parametrize("seed", [1, 2])
def test_fills_the_market_made_before_a_cancel_or_modify_are_all_reported(
    strategy: type[Strategy], seed: int
) -> None:
    result, _ = run(strategy, seed=seed, seconds=8)
    filled = {o.order_id: o.filled_quantity for o in result.orders}
    by_order: dict[int, float] = {}
    for fill in result.fills:
        by_order[fill.order_id] = by_order.get(fill.order_id, 0.0) + fill.quantity
    assert result.fills  # the race happened: orders at the touch get hit
    assert by_order == {k: v for k, v in filled.items() if v}
    # Never more than ordered: a modify counts what was already filled.
    assert all(o.filled_quantity <= o.request.quantity for o in result.orders)
