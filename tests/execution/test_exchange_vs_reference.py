"""The simulated exchange agrees with a slow reference written from docs/fills.md.

Generated programs (tests/execution/reference_programs.py) interleave market
data of one kind (L1 quotes, quotes and trades, an L2 book, bars) with order
requests (every type and time in force, cancels, modifies, brackets, OCO
pairs), under generated assumptions (depth, fees, slippage, queue model, risk
limits, same-bar rule). Each step goes through `SimulatedExchange` and through
`ReferenceExchange` (tests/execution/reference_exchange.py); after each step
both must have reported the same fills and order states, order by order, and
hold the same position.

After the properties come short fixed programs: cases where the two disagreed,
each with the sentence of docs/fills.md that decides it.
"""

from __future__ import annotations

import contextlib
from typing import Any

from hypothesis import Phase, given, settings
from hypothesis import strategies as st
from tests.execution.reference_programs import (
    ACME,
    ALL_TIFS,
    HOUR,
    ID,
    MINUTE,
    T0,
    BarStep,
    CancelStep,
    Mode,
    ModifyStep,
    Program,
    QuoteStep,
    Step,
    SubmitStep,
    TradeStep,
    apply,
    depths,
    fees,
    limits,
    programs,
    run_both,
    slippages,
)

from tickdeck.core import (
    Bar,
    Fill,
    InputError,
    OrderStatus,
    OrderType,
    Quote,
    Side,
    TimeInForce,
    Trade,
)
from tickdeck.core.orders import OrderRequest, OrderUpdate
from tickdeck.execution import FixedBpsSlippage
from tickdeck.execution.config import ExchangeConfig, SameBarRule
from tickdeck.execution.exchange import SimulatedExchange
from tickdeck.execution.queue import ConservativeQueue, ProbabilisticQueue

# -- the properties -----------------------------------------------------------------

# A failing program is shrunk to a short one, but no time goes to looking for a second
# distinct failure or to explaining the first: the per-step message already does.
compare = settings(
    report_multiple_bugs=False, phases=(Phase.explicit, Phase.generate, Phase.shrink)
)

L1_TAKERS = Mode(
    data=("quote",),
    order_types=(OrderType.MARKET, OrderType.LIMIT),
    tifs=ALL_TIFS,
    post_only=True,
    reduce_only=True,
    modifies=True,
    sizes=(0.0, 1.0, 5.0, 10.0, 40.0),
)


@compare
@given(
    programs(L1_TAKERS),
    st.builds(
        ExchangeConfig,
        depth=depths,
        fees=fees,
        slippage=slippages,
        risk=limits,
        session_end_ns=st.sampled_from((0, 21 * HOUR)),
    ),
)
def test_on_quotes_market_and_limit_orders_match_the_reference(
    program: Program, config: ExchangeConfig
) -> None:
    """Takers walk the top and the synthetic depth; limits rest and fill as the quote
    comes to them; IOC, FOK, DAY and GTD; post-only, reduce-only, risk limits; fees."""
    run_both(program, config)


L1_STOPS = Mode(
    data=("quote",),
    order_types=(
        OrderType.MARKET,
        OrderType.STOP,
        OrderType.STOP_LIMIT,
        OrderType.TRAILING_STOP,
    ),
    tifs=(TimeInForce.GTC, TimeInForce.DAY, TimeInForce.GTD),
)


@compare
@given(programs(L1_STOPS), st.builds(ExchangeConfig, depth=depths, fees=fees))
def test_on_quotes_stops_and_trailing_stops_match_the_reference(
    program: Program, config: ExchangeConfig
) -> None:
    """Stops trigger when the ask (buy) or bid (sell) reaches them and then take; stop-limits
    become limits; trailing stops follow the best bid (sell) or ask (buy) by their trail."""
    run_both(program, config)


MODIFY_STOPS = Mode(
    data=("quote",),
    order_types=(OrderType.STOP, OrderType.STOP_LIMIT),
    modifies=True,
)


@compare
@given(programs(MODIFY_STOPS))
def test_modified_stops_wait_for_their_trigger_like_the_reference(program: Program) -> None:
    """A modified stop is a new order with new terms: it still waits for the market."""
    run_both(program, ExchangeConfig())


WITH_TRADES = Mode(
    data=("quote", "trade", "trade"),
    order_types=(OrderType.LIMIT, OrderType.LIMIT, OrderType.MARKET),
    tifs=(TimeInForce.GTC, TimeInForce.DAY, TimeInForce.IOC),
    modifies=True,
    opens_with_quote=True,
    moves=(-1, 0, 0, 0, 1),
    joins_touch=True,
)


@compare
@given(programs(WITH_TRADES), fees)
def test_with_trades_the_conservative_queue_matches_the_reference(
    program: Program, fee: Any
) -> None:
    """Queue ahead from the display, eaten by trades at our price; trades through fill all."""
    run_both(program, ExchangeConfig(queue=ConservativeQueue(), fees=fee))


# Limits in the queue at a touch that mostly stays put while its size comes and goes.
IN_THE_QUEUE = Mode(
    data=("quote", "quote", "trade"),
    order_types=(OrderType.LIMIT,),
    modifies=True,
    opens_with_quote=True,
    moves=(-1, 0, 0, 0, 0, 0, 1),
    joins_touch=True,
)


@settings(compare, max_examples=200)
@given(programs(IN_THE_QUEUE), st.sampled_from((1.0, 2.0)))
def test_with_trades_the_probabilistic_queue_matches_the_reference(
    program: Program, power: float
) -> None:
    """Cancellations at our price move us forward by the expected share ahead of us; a drop
    that prints at our price explain is not a cancellation; fills are whole lots."""
    run_both(program, ExchangeConfig(queue=ProbabilisticQueue(power)))


STOPS_WITH_TRADES = Mode(
    data=("quote", "trade", "trade"),
    order_types=(OrderType.STOP, OrderType.STOP_LIMIT, OrderType.LIMIT),
    opens_with_quote=True,
)


@compare
@given(programs(STOPS_WITH_TRADES))
def test_with_trades_stops_trigger_on_prints_like_the_reference(program: Program) -> None:
    """A print at or beyond the stop triggers it; it then meets the quote as a new order."""
    run_both(program, ExchangeConfig())


L2_BOOK = Mode(
    data=("delta", "delta", "snapshot"),
    order_types=(OrderType.MARKET, OrderType.LIMIT, OrderType.STOP),
    tifs=(TimeInForce.GTC, TimeInForce.IOC, TimeInForce.FOK),
    post_only=True,
)


@compare
@given(programs(L2_BOOK), fees)
def test_on_an_l2_book_orders_match_the_reference(program: Program, fee: Any) -> None:
    """Takers walk the real levels; the book's top triggers stops and fills resting limits."""
    run_both(program, ExchangeConfig(fees=fee))


BARS = Mode(
    data=("bar",),
    order_types=(
        OrderType.MARKET,
        OrderType.LIMIT,
        OrderType.STOP,
        OrderType.STOP_LIMIT,
        OrderType.TRAILING_STOP,
    ),
    tifs=(TimeInForce.GTC, TimeInForce.GTD),
    brackets=True,
    oco_pairs=True,
)


@compare
@given(programs(BARS), st.sampled_from(tuple(SameBarRule)), fees, slippages)
def test_on_bars_the_path_and_the_same_bar_rule_match_the_reference(
    program: Program, rule: SameBarRule, fee: Any, slippage: Any
) -> None:
    """Open, low, high, close (or open, high, low, close) walked continuously; gaps at the
    open; stop-limits triggered on the way; a stop and a target of one OCO pair in one bar
    settled by the rule; takers pay the slippage model."""
    run_both(program, ExchangeConfig(same_bar=rule, fees=fee, slippage=slippage))


BRACKETS = Mode(
    data=("quote",),
    order_types=(OrderType.MARKET, OrderType.LIMIT),
    brackets=True,
    oco_pairs=True,
)


@compare
@given(programs(BRACKETS))
def test_brackets_and_oco_groups_match_the_reference(program: Program) -> None:
    """Children wait for their parent's fill and take its filled quantity; a parent ending
    without a fill cancels them; a fill in an OCO group cancels the others."""
    run_both(program, ExchangeConfig())


# -- cases the properties found, kept as examples -----------------------------------
# Each is a short program whose outcome docs/fills.md states; run through both exchanges.


def submit(order_id: int, side: Side, quantity: float, **terms: Any) -> SubmitStep:
    return SubmitStep(order_id, OrderRequest(ID, side, quantity, **terms))


def at(*steps: Step) -> Program:
    """Steps one nanosecond apart from T0."""
    return [(T0 + i, step) for i, step in enumerate(steps)]


def test_synthetic_depth_is_five_levels_in_all() -> None:
    """ "A taker takes the displayed top (price and size), then a SyntheticDepth behind it:
    5 levels in all by default (the displayed top and 4 more), one tick apart each, each as
    large as the displayed top. Size beyond the last level fills at the last level's price."
    A sell of 650 against 100 bid at 10.00: 100 at each of 10.00 ... 9.96, and the last 150
    at 9.96."""
    program = at(QuoteStep(1000, 1002, 100.0, 100.0), submit(1, Side.SELL, 650.0))
    run_both(program, ExchangeConfig())


def test_a_trailing_stop_is_acknowledged_with_the_stop_it_starts_from() -> None:
    """The stop follows the best price "since acceptance": the acceptance shows where it is."""
    program = at(
        QuoteStep(1000, 1002, 100.0, 100.0),
        submit(1, Side.SELL, 10.0, order_type=OrderType.TRAILING_STOP, trail=0.03),
    )
    run_both(program, ExchangeConfig())


def test_a_modified_stop_still_waits_for_the_market_to_reach_it() -> None:
    """A stop "becomes executable when the market reaches the stop"; a new stop price does
    not make it a market order."""
    program = at(
        QuoteStep(1000, 1002, 100.0, 100.0),
        submit(1, Side.BUY, 10.0, order_type=OrderType.STOP, stop_price=10.05),
        ModifyStep(1, None, None, 10.06),
        submit(
            2,
            Side.SELL,
            10.0,
            order_type=OrderType.STOP_LIMIT,
            stop_price=9.95,
            limit_price=9.95,
        ),
        ModifyStep(2, 5.0, None, None),
        QuoteStep(999, 1001, 100.0, 100.0),
    )
    run_both(program, ExchangeConfig())


def test_a_limit_price_given_to_a_stop_order_is_refused_without_changing_it() -> None:
    """A stop has no limit price to change. Whether the exchange refuses the request or
    raises, the order must stay the stop it was: it then fills as a market order."""
    exchange = SimulatedExchange({ID: ACME})
    exchange.on_quote(Quote(ID, T0, T0, 10.00, 10.02, 100.0, 100.0))
    exchange.submit(1, OrderRequest(ID, Side.BUY, 10, OrderType.STOP, stop_price=10.05), T0 + 1)
    before = exchange.order(1)
    with contextlib.suppress(InputError):  # raising is fine, changing the order is not
        exchange.modify(1, T0 + 2, limit_price=10.03)
    assert exchange.order(1).request == before.request
    reports = exchange.on_quote(Quote(ID, T0 + 3, T0 + 3, 10.06, 10.08, 100.0, 100.0))
    assert [(r.price, r.quantity) for r in reports if isinstance(r, Fill)] == [(10.08, 10)]


def test_a_price_the_order_type_does_not_have_is_refused() -> None:
    """ "a price the order type does not have (a limit on a stop, a stop on a limit or a
    trailing stop) is refused with INVALID_PRICE", the order unchanged: the stop then still
    fills as a market order and the limit still rests at its price."""
    program = at(
        QuoteStep(1000, 1002, 100.0, 100.0),
        submit(1, Side.BUY, 10.0, order_type=OrderType.STOP, stop_price=10.05),
        ModifyStep(1, None, 10.03, None),
        submit(2, Side.BUY, 10.0, order_type=OrderType.LIMIT, limit_price=9.98),
        ModifyStep(2, None, None, 9.99),
        submit(3, Side.SELL, 10.0, order_type=OrderType.TRAILING_STOP, trail=0.03),
        ModifyStep(3, 20.0, None, 9.99),
        QuoteStep(1006, 1008, 100.0, 100.0),
        QuoteStep(996, 998, 100.0, 100.0),
    )
    run_both(program, ExchangeConfig())


def test_a_stop_limit_triggered_by_a_print_meets_the_quote_as_a_limit_order() -> None:
    """ "stop-limit: when the market reaches the stop, as a limit order from then on", and a
    limit order takes "on arrival if it crosses the spread". A print at 9.99 triggers a sell
    stop at 9.99 while 10.00 is still bid: its limit of 9.98 crosses it and takes it."""
    program = at(
        QuoteStep(1000, 1002, 100.0, 100.0),
        TradeStep(1001, 5.0),
        submit(
            1,
            Side.SELL,
            10.0,
            order_type=OrderType.STOP_LIMIT,
            stop_price=9.99,
            limit_price=9.98,
        ),
        TradeStep(999, 5.0),
    )
    run_both(program, ExchangeConfig())


def test_a_bracket_child_measures_slippage_from_its_own_arrival() -> None:
    """ "A fill records its slippage against the mid when the order reached the exchange":
    a stop-loss child sent with its entry (mid 10.01) is measured from there, not from the
    mid when the entry filled."""
    program = at(
        QuoteStep(1000, 1002, 100.0, 100.0),
        submit(1, Side.BUY, 10.0, order_type=OrderType.LIMIT, limit_price=9.99),
        submit(2, Side.SELL, 10.0, order_type=OrderType.STOP, stop_price=9.95, parent_id=1),
        QuoteStep(997, 998, 100.0, 100.0),
        QuoteStep(994, 996, 100.0, 100.0),
    )
    run_both(program, ExchangeConfig())


def test_an_expiry_is_settled_against_the_market_of_its_own_time() -> None:
    """A DAY entry partly filled expires at midnight; its child activates then, against the
    market as it was at midnight. The quote that arrives later fills the child at its own
    time, not at midnight (an order "is matched against the market as it is when the order
    arrives")."""
    program: Program = [
        (T0, QuoteStep(1000, 1002, 100.0, 5.0)),
        (
            T0 + 1,
            submit(
                1,
                Side.BUY,
                20.0,
                order_type=OrderType.LIMIT,
                limit_price=10.02,
                time_in_force=TimeInForce.DAY,
            ),
        ),
        (
            T0 + 2,
            submit(2, Side.SELL, 20.0, order_type=OrderType.STOP, stop_price=9.99, parent_id=1),
        ),
        (T0 + 20 * HOUR, QuoteStep(990, 992, 100.0, 100.0)),
    ]
    run_both(program, ExchangeConfig())


def test_a_child_of_a_parent_that_already_ended_follows_the_parent() -> None:
    """ "If the parent ends without any fill, its children are cancelled"; a parent that
    ended with a partial fill activates them with at most its filled quantity."""
    program = at(
        QuoteStep(1000, 1002, 100.0, 5.0),
        submit(1, Side.BUY, 10.0, order_type=OrderType.LIMIT, limit_price=9.50),
        CancelStep(1),
        submit(2, Side.SELL, 10.0, order_type=OrderType.STOP, stop_price=9.40, parent_id=1),
        submit(3, Side.BUY, 20.0, order_type=OrderType.LIMIT, limit_price=10.02),
        CancelStep(3),
        submit(4, Side.SELL, 20.0, order_type=OrderType.LIMIT, limit_price=10.05, parent_id=3),
        QuoteStep(1005, 1006, 100.0, 100.0),
    )
    run_both(program, ExchangeConfig())


def test_a_size_drop_explained_by_a_print_is_not_a_cancellation() -> None:
    """ "when the displayed size at our price falls without a trade, the queue model decides".
    50 ahead of us; a print of 30 at our price leaves 20 ahead and the bid shows 20: nobody
    cancelled, so a print of 25 then fills 5 of ours, whatever the model."""
    program = at(
        TradeStep(1001, 1.0),
        QuoteStep(1000, 1002, 50.0, 50.0),
        submit(1, Side.BUY, 10.0, order_type=OrderType.LIMIT, limit_price=10.00),
        TradeStep(1000, 30.0),
        QuoteStep(1000, 1002, 20.0, 50.0),
        TradeStep(1000, 25.0),
    )
    run_both(program, ExchangeConfig(queue=ProbabilisticQueue(1.0)))


def test_a_queue_estimate_fills_whole_lots_only() -> None:
    """What is left of a trade at our price fills us "in whole lots: the part of a lot that
    reaches us is not a fill". 5 ahead of us; 35 join behind; 30 cancel, of which the
    probabilistic queue puts 5/40 ahead: 1.25 left ahead. A print of 3 leaves 1.75 for us:
    1 lot fills. A print of 2.5 then fills 2."""
    program = at(
        TradeStep(1001, 1.0),
        QuoteStep(1000, 1002, 5.0, 50.0),
        submit(1, Side.BUY, 10.0, order_type=OrderType.LIMIT, limit_price=10.00),
        QuoteStep(1000, 1002, 40.0, 50.0),
        QuoteStep(1000, 1002, 10.0, 50.0),
        TradeStep(1000, 3.0),
        TradeStep(1000, 2.5),
    )
    run_both(program, ExchangeConfig(queue=ProbabilisticQueue(1.0)))
    exchange = SimulatedExchange({ID: ACME}, ExchangeConfig(queue=ProbabilisticQueue(1.0)))
    got = [r for _, step in program for r in apply(exchange, T0, step) if isinstance(r, Fill)]
    assert [f.quantity for f in got] == [1.0, 2.0]


def test_orders_expiring_together_are_reported_in_expiry_order_then_by_id() -> None:
    """GTD orders expiring at +30, +10, +10 and +20 ns, all found expired by one quote, are
    reported at their own times: 2 and 3 (+10), 4 (+20), 1 (+30). A bracket child that its
    parent's expiry activates, expiring itself before the others, comes in its place."""

    def gtd(order_id: int, expire: int, **terms: Any) -> SubmitStep:
        return submit(
            order_id,
            Side.BUY,
            10.0,
            order_type=OrderType.LIMIT,
            limit_price=terms.pop("limit_price", 9.90),
            time_in_force=TimeInForce.GTD,
            expire_ns=T0 + expire,
            **terms,
        )

    program: Program = [
        (T0, QuoteStep(1000, 1002, 100.0, 5.0)),
        (T0 + 1, gtd(1, 30)),
        (T0 + 2, gtd(2, 10)),
        (T0 + 3, gtd(3, 10)),
        (T0 + 4, gtd(4, 20)),
        (T0 + 5, gtd(5, 12, limit_price=10.02)),  # takes the 5 offered, rests the rest
        (
            T0 + 6,
            submit(
                6,
                Side.SELL,
                10.0,
                order_type=OrderType.LIMIT,
                limit_price=10.50,
                time_in_force=TimeInForce.GTD,
                expire_ns=T0 + 15,
                parent_id=5,
            ),
        ),
        (T0 + 100, QuoteStep(1000, 1002, 100.0, 100.0)),
    ]
    run_both(program, ExchangeConfig())
    exchange = SimulatedExchange({ID: ACME})
    reports = [r for ts, step in program for r in apply(exchange, ts, step)]
    expired = [
        (r.order.order_id, r.ts)
        for r in reports
        if isinstance(r, OrderUpdate) and r.order.status == OrderStatus.EXPIRED
    ]
    in_order = [(2, 10), (3, 10), (5, 12), (6, 15), (4, 20), (1, 30)]
    assert expired == [(order_id, T0 + after) for order_id, after in in_order]


def test_what_is_ahead_of_us_never_exceeds_what_is_displayed_at_our_price() -> None:
    """The conservative queue puts cancellations behind us, but what is ahead of us is part of
    the display: 50 ahead, the level leaves the top and comes back showing 10, so at most
    10 are ahead and a print of 15 at our price fills 5."""
    program = at(
        TradeStep(1001, 1.0),
        QuoteStep(1000, 1002, 50.0, 50.0),
        submit(1, Side.BUY, 10.0, order_type=OrderType.LIMIT, limit_price=10.00),
        QuoteStep(1001, 1002, 5.0, 50.0),
        QuoteStep(1000, 1002, 10.0, 50.0),
        TradeStep(1000, 15.0),
    )
    run_both(program, ExchangeConfig(queue=ConservativeQueue()))


def test_on_bars_a_target_the_bar_opened_through_fills_at_the_open() -> None:
    """With TARGET_FIRST the take-profit wins the bar, and "a gap through the price fills at
    the open": a sell target at 10.20 in a bar opening at 10.25 fills at 10.25."""
    program: Program = [
        (T0, BarStep(1000, 1003, 999, 1001)),
        (T0 + 1, submit(1, Side.BUY, 10.0)),
        (T0 + MINUTE, BarStep(1001, 1004, 1000, 1002)),
        (
            T0 + MINUTE + 1,
            submit(2, Side.SELL, 10.0, order_type=OrderType.STOP, stop_price=9.90, oco_group=1),
        ),
        (
            T0 + MINUTE + 2,
            submit(3, Side.SELL, 10.0, order_type=OrderType.LIMIT, limit_price=10.20, oco_group=1),
        ),
        (T0 + 2 * MINUTE, BarStep(1025, 1030, 980, 1000)),
    ]
    run_both(program, ExchangeConfig(same_bar=SameBarRule.TARGET_FIRST))


def test_on_bars_a_stop_limit_triggered_on_the_way_fills_when_the_path_crosses_its_limit() -> None:
    """ "Prices move continuously along the path": a buy stop-limit (stop 10.05, limit 10.07)
    in a bar rising from 9.98 to 10.10 is triggered at 10.05 and the price then passes its
    limit, so it fills in that bar at 10.07 or better, even though the bar closes above."""
    exchange = SimulatedExchange({ID: ACME})
    exchange.on_bar(Bar(ID, T0, T0, 10.00, 10.03, 9.99, 10.01, 1e3, MINUTE))
    request = OrderRequest(
        ID, Side.BUY, 10, OrderType.STOP_LIMIT, stop_price=10.05, limit_price=10.07
    )
    exchange.submit(1, request, T0 + 1)
    up = Bar(ID, T0 + MINUTE, T0 + MINUTE, 10.00, 10.10, 9.98, 10.08, 1e3, MINUTE)
    filled = [r for r in exchange.on_bar(up) if isinstance(r, Fill)]
    assert sum(f.quantity for f in filled) == 10
    assert all(10.05 <= f.price <= 10.07 for f in filled)


def test_on_bars_a_child_activated_on_the_way_meets_the_rest_of_the_path() -> None:
    """ "Prices move continuously along the path": falling from 10.03 to 9.95, the price
    fills the entry at 10.00, then reaches its stop-loss child at 9.97, where it fills (not
    at the low, which the price reaches only after)."""
    program: Program = [
        (T0, BarStep(1000, 1003, 999, 1001)),
        (T0 + 1, submit(1, Side.BUY, 10.0, order_type=OrderType.LIMIT, limit_price=10.00)),
        (
            T0 + 2,
            submit(2, Side.SELL, 10.0, order_type=OrderType.STOP, stop_price=9.97, parent_id=1),
        ),
        (T0 + MINUTE, BarStep(1002, 1003, 995, 996)),
    ]
    run_both(program, ExchangeConfig())
    exchange = SimulatedExchange({ID: ACME})
    reports = [r for ts, step in program for r in apply(exchange, ts, step)]
    assert [(f.order_id, f.price) for f in reports if isinstance(f, Fill)] == [
        (1, 10.00),
        (2, 9.97),
    ]


def test_on_bars_taker_fills_pay_the_slippage_model() -> None:
    """ "Taker fills are shifted against the taker by the SlippageModel": a market order
    filling at the next open of 10.00 with 100 bps of slippage pays 10.10."""
    exchange = SimulatedExchange({ID: ACME}, ExchangeConfig(slippage=FixedBpsSlippage(100)))
    exchange.on_bar(Bar(ID, T0, T0, 10.00, 10.03, 9.99, 10.01, 1e3, MINUTE))
    exchange.submit(1, OrderRequest(ID, Side.BUY, 10), T0 + 1)
    up = Bar(ID, T0 + MINUTE, T0 + MINUTE, 10.00, 10.10, 9.98, 10.08, 1e3, MINUTE)
    assert [(r.price, r.quantity) for r in exchange.on_bar(up) if isinstance(r, Fill)] == [
        (10.10, 10)
    ]


def test_with_trades_only_a_market_order_pays_the_slippage_model_at_the_next_print() -> None:
    """ "a market order ... waits for the next trade and fills at its price, shifted by the
    slippage model like every taker fill": 100 bps on a print at 10.00 is 10.10."""
    exchange = SimulatedExchange({ID: ACME}, ExchangeConfig(slippage=FixedBpsSlippage(100)))
    exchange.on_trade(Trade(ID, T0, T0, 10.01, 5.0, 0, 0))
    waiting = exchange.submit(1, OrderRequest(ID, Side.BUY, 10), T0 + 1)
    assert [r.order.status for r in waiting if isinstance(r, OrderUpdate)] == [OrderStatus.ACCEPTED]
    reports = exchange.on_trade(Trade(ID, T0 + 2, T0 + 2, 10.00, 5.0, 0, 0))
    assert [(r.price, r.quantity) for r in reports if isinstance(r, Fill)] == [(10.10, 10)]
