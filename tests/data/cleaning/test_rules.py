"""Each cleaning rule: exactly which rows it removes, and under which name they are counted."""

from __future__ import annotations

import math

import numpy as np
import pytest
from tests.data.cleaning.cleaning_tables import ACME, SECOND_NS, T0, lines, quotes, rules, source

from tickdeck.core import BookAction, DataError, DataKind, Instrument, OrderAction
from tickdeck.data.cleaning import RULES, CleaningConfig, CleaningResult, clean

NAN = math.nan
NO_SPIKES = CleaningConfig(spike_threshold=math.inf)


def removed(result: CleaningResult) -> dict[str, int]:
    """The non-zero removal counts."""
    return {rule: count for rule, count in result.report.removed.items() if count}


def test_invalid_code_removes_enum_values_outside_their_enum() -> None:
    trades = clean(source(DataKind.TRADE, aggressor=[1, 0, -1, 2, -2]), ACME)
    assert removed(trades) == {"invalid_code": 2}
    assert lines(trades.quarantine) == [5, 6]

    deltas = clean(source(DataKind.BOOK_DELTA, side=[1, -1, 0, 1], action=[1, 4, 1, 5]), ACME)
    assert lines(deltas.quarantine) == [4, 5]
    orders = clean(source(DataKind.ORDER_EVENT, action=[1, 2, 3, 4, 0]), ACME)
    assert lines(orders.quarantine) == [6]
    assert set(rules(deltas.quarantine) + rules(orders.quarantine)) == {"invalid_code"}


def test_non_positive_price_removes_zero_negative_nan_and_infinite_prices() -> None:
    result = clean(
        quotes([100.0, 0.0, -1.0, NAN, 100.0], [100.01, 100.01, 100.01, 100.01, math.inf]), ACME
    )
    assert removed(result) == {"non_positive_price": 4}
    assert lines(result.quarantine) == [3, 4, 5, 6]


def test_an_empty_snapshot_level_is_nan_price_with_zero_size() -> None:
    data = source(
        DataKind.BOOK_SNAPSHOT,
        bid_price_9=[NAN, NAN, 99.91, NAN],
        bid_size_9=[0.0, 5.0, 1.0, 0.0],
        ask_price_9=[100.1, 100.1, 100.1, NAN],
        ask_size_9=[1.0, 1.0, 1.0, 0.0],
    )
    result = clean(data, ACME)
    assert removed(result) == {"non_positive_price": 1}  # a NaN price with size 5
    assert lines(result.quarantine) == [3]


def test_non_positive_size_removes_negative_nan_infinite_and_zero_sizes() -> None:
    data = quotes([100.0] * 5, bid_size=[1.0, 0.0, -1.0, NAN, math.inf])
    assert lines(clean(data, ACME).quarantine) == [3, 4, 5, 6]
    assert rules(clean(data, ACME).quarantine) == ["non_positive_size"] * 4
    # A source without sizes has zeros everywhere: they are then accepted.
    assert lines(clean(data, ACME, CleaningConfig(allow_zero_size=True)).quarantine) == [4, 5, 6]


def test_zero_size_depends_on_the_record() -> None:
    allow = CleaningConfig(allow_zero_size=True)
    trades = source(DataKind.TRADE, size=[1.0, 0.0])
    assert lines(clean(trades, ACME, allow).quarantine) == [3]  # a zero print is never a trade
    bars = source(DataKind.BAR, volume=[0.0, -1.0])
    assert lines(clean(bars, ACME).quarantine) == [3]  # volume 0 means unknown
    actions = [BookAction.ADD, BookAction.DELETE, BookAction.CLEAR, BookAction.UPDATE]
    deltas = source(DataKind.BOOK_DELTA, action=actions, size=[0.0, 0.0, 0.0, 0.0])
    assert lines(clean(deltas, ACME).quarantine) == [2, 5]
    events = [OrderAction.ADD, OrderAction.CANCEL, OrderAction.EXECUTE]
    orders = source(DataKind.ORDER_EVENT, action=events, size=[0.0, 0.0, 0.0])
    assert lines(clean(orders, ACME).quarantine) == [2, 4]


def test_a_clear_delta_has_no_price_to_judge() -> None:
    deltas = source(
        DataKind.BOOK_DELTA, action=[BookAction.CLEAR, BookAction.ADD], price=[0.0, 0.0]
    )
    assert lines(clean(deltas, ACME).quarantine) == [3]


def test_off_grid_removes_prices_between_ticks_and_snaps_float_noise() -> None:
    bids = [100.0] * 200
    bids[10] = 100.005  # half a tick away: a real off-grid price
    bids[20] = 100.0 + 1e-11  # float noise: moved onto the grid
    asks = [100.01] * 200
    asks[20] = 100.01 - 1e-11
    result = clean(quotes(bids, asks), ACME)
    assert removed(result) == {"off_grid": 1}
    assert lines(result.quarantine) == [12]
    assert result.report.snapped == 2  # two prices of one row
    out = result.data.table
    assert out.column("bid_price")[20].as_py() == 100.0
    assert out.column("ask_price")[19].as_py() == 100.01  # row 20 is the 20th kept row


def test_float_noise_at_large_tick_counts_is_snapped_like_the_instrument_does() -> None:
    # 1e13 ticks of 0.25: one ulp of the price is 1/512 of a tick, noise to
    # Instrument.off_grid; 64 ulps (1/8 tick) is a price between ticks.
    big = Instrument("BIG", "SIM", "0.25")
    on_grid = float(big.ticks_to_prices([10**13])[0])
    prices = [on_grid] * 200
    prices[1] = on_grid + np.spacing(on_grid)
    prices[2] = on_grid + 64 * np.spacing(on_grid)
    result = clean(source(DataKind.TRADE, price=prices), big)
    assert big.off_grid(prices).tolist() == [i == 2 for i in range(200)]
    assert removed(result) == {"off_grid": 1}
    assert lines(result.quarantine) == [4]
    assert result.report.snapped == 1
    assert result.data.table.column("price")[1].as_py() == on_grid


def test_too_many_off_grid_prices_raise_and_point_at_the_first_one() -> None:
    bids = [100.0, 100.0, 100.003, 100.0, 100.007]
    data = quotes(bids, ts_recv=T0 - SECOND_NS * np.arange(5))  # reversed: sorted order differs
    with pytest.raises(DataError, match="tick size") as caught:
        clean(data, ACME)
    assert (caught.value.source, caught.value.line) == ("test.csv", 4)
    assert (caught.value.field, caught.value.value) == ("bid_price", 100.003)
    # The same data is fine under a tick size that fits it.
    assert clean(data, Instrument("ACME", "XNAS", "0.001")).report.rows_out == 5


def test_recv_before_event_removes_rows_received_before_they_happened() -> None:
    ts = T0 + SECOND_NS * np.arange(3)
    result = clean(quotes([100.0] * 3, ts_recv=ts, ts_event=ts + np.array([0, 1, -1])), ACME)
    assert removed(result) == {"recv_before_event": 1}
    assert lines(result.quarantine) == [3]


def test_crossed_and_locked_quotes() -> None:
    data = quotes([100.0, 100.02, 100.01, 100.0], [100.01, 100.01, 100.01, 100.01])
    result = clean(data, ACME)
    assert removed(result) == {"crossed": 1, "locked": 1}
    assert rules(result.quarantine) == ["crossed", "locked"]
    assert lines(result.quarantine) == [3, 4]
    kept_locked = clean(data, ACME, CleaningConfig(keep_locked=True))
    assert lines(kept_locked.quarantine) == [3]


def test_crossed_snapshot_compares_the_best_levels() -> None:
    data = source(
        DataKind.BOOK_SNAPSHOT, bid_price_0=[100.0, 100.02, 100.01], ask_price_0=[100.01] * 3
    )
    assert rules(clean(data, ACME).quarantine) == ["crossed", "locked"]


def test_inconsistent_ohlc_removes_bars_whose_range_does_not_hold_open_and_close() -> None:
    data = source(
        DataKind.BAR,
        open=[100.0, 100.0, 100.0, 100.0, 100.0],
        high=[101.0, 99.0, 101.0, 101.0, 101.0],
        low=[99.0, 99.0, 100.5, 99.0, 99.0],
        close=[100.0, 100.0, 100.0, 102.0, 100.0],
        interval_ns=[60, 60, 60, 60, -60],
    )
    result = clean(data, ACME)
    assert removed(result) == {"inconsistent_ohlc": 4}
    assert lines(result.quarantine) == [3, 4, 5, 6]


def test_duplicate_keeps_the_first_of_bitwise_equal_rows() -> None:
    ts = [T0, T0, T0, T0 + 1, T0]
    sizes = [1.0, 2.0, 1.0, 1.0, 1.0]
    result = clean(quotes([100.0] * 5, ts_recv=ts, bid_size=sizes), ACME)
    # Lines 2, 4 and 6 are equal (6 arrived out of order); 3 differs in size, 5 in time.
    assert removed(result) == {"duplicate": 2}
    assert lines(result.quarantine) == [4, 6]


def test_duplicates_are_compared_after_snapping() -> None:
    data = quotes([100.0, 100.0 + 1e-11], ts_recv=[T0, T0])
    assert rules(clean(data, ACME).quarantine) == ["duplicate"]


def test_identical_trades_without_an_id_are_all_kept() -> None:
    # Three prints of one size at one time and price, no trade id: ordinary on
    # venues that publish no ids, so none of them is a duplicate.
    data = source(DataKind.TRADE, ts_recv=[T0] * 3, trade_id=[0, 0, 0])
    result = clean(data, ACME)
    assert result.report.rows_out == 3
    assert removed(result) == {}


def test_a_trade_repeated_with_its_id_is_a_duplicate() -> None:
    data = source(DataKind.TRADE, ts_recv=[T0] * 4, trade_id=[7, 0, 7, 0])
    result = clean(data, ACME)
    assert removed(result) == {"duplicate": 1}
    assert lines(result.quarantine) == [4]  # the second copy of trade 7


def test_identical_trades_without_an_id_can_be_deduplicated_on_request() -> None:
    data = source(DataKind.TRADE, ts_recv=[T0] * 4, trade_id=[0, 0, 0, 9])
    config = CleaningConfig(drop_duplicate_trades_without_id=True)
    result = clean(data, ACME, config)
    assert removed(result) == {"duplicate": 2}
    assert lines(result.quarantine) == [3, 4]


def test_other_kinds_still_drop_exact_duplicates_whatever_their_ids() -> None:
    events = source(DataKind.ORDER_EVENT, ts_recv=[T0] * 2, order_id=[0, 0])
    assert removed(clean(events, ACME)) == {"duplicate": 1}


def test_spike_removes_an_isolated_outlier_from_a_quote_mid() -> None:
    bids = [100.0 + 0.01 * (i % 3) for i in range(300)]
    bids[150] = 101.0  # 100 ticks away from its neighbours
    result = clean(quotes(np.round(bids, 2)), ACME)
    assert removed(result) == {"spike": 1}
    assert lines(result.quarantine) == [152]


def test_spike_runs_on_trades_and_catches_short_runs() -> None:
    prices = np.full(300, 100.0)
    prices[100:104] = 95.0  # a run of four bad prints
    result = clean(source(DataKind.TRADE, price=prices), ACME)
    assert lines(result.quarantine) == [102, 103, 104, 105]
    assert rules(result.quarantine) == ["spike"] * 4


def test_a_level_shift_is_not_a_spike() -> None:
    prices = np.where(np.arange(300) < 150, 100.0, 103.0)
    assert clean(source(DataKind.TRADE, price=prices), ACME).report.rows_out == 300


def test_the_floor_keeps_small_moves_in_a_flat_window() -> None:
    prices = np.full(300, 100.0)
    prices[150] = 100.05  # MAD is 0, but 5 ticks is under the 10-tick floor
    assert clean(source(DataKind.TRADE, price=prices), ACME).report.rows_out == 300
    tight = CleaningConfig(spike_floor_ticks=2, spike_floor_bps=0)
    assert lines(clean(source(DataKind.TRADE, price=prices), ACME, tight).quarantine) == [152]


def test_spike_is_judged_after_the_other_rules() -> None:
    prices = np.full(300, 100.0)
    prices[100:200:2] = 90.0  # half the prints in this stretch are bad...
    sizes = np.where(prices == 90.0, 0.0, 1.0)  # ...but they have no size: removed first
    prices[151] = 95.0  # so this one stands alone among the kept rows
    result = clean(source(DataKind.TRADE, price=prices, size=sizes), ACME)
    assert removed(result) == {"non_positive_size": 50, "spike": 1}


def test_a_row_is_counted_under_the_first_rule_that_removes_it() -> None:
    data = quotes(
        [0.0, 100.02, 100.02],
        [100.01, 100.01, 100.01],
        bid_size=[-1.0, 1.0, 1.0],
        ts_recv=[T0, T0, T0],
    )
    result = clean(data, ACME)
    # Row 2 breaks price and size; rows 3 and 4 are crossed and duplicates.
    assert rules(result.quarantine) == ["non_positive_price", "crossed", "crossed"]
    assert sum(result.report.removed.values()) == 3


def test_rules_are_listed_in_precedence_order_with_zeros() -> None:
    report = clean(quotes([100.0]), ACME).report
    assert list(report.removed) == list(RULES)
    assert set(report.removed.values()) == {0}
    assert NO_SPIKES.spike_threshold == math.inf
