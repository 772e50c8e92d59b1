"""Golden end-to-end runs: every template, and a few option combinations, pinned exactly.

The data is the built-in sample (seed 7, one day) ingested through the same
path as real files, plus two streams built from it deterministically: quotes
for ACME around its trades (so that the queue model has a display to work
with) and a second leg that co-moves with EURUSD for the pairs template. Each
case runs `run_backtest` and reduces the result to a summary (counts, final
equity, total return, Sharpe, max drawdown, and hashes of the fills, orders
and equity curve) compared with tests/engine/golden/<case>.json exactly:
floats are pinned as ``float.hex`` (bit-identical determinism is a house rule).

Before comparing, every run is checked for what must hold whatever the
numbers: no NaN, every order's fills add up to its filled quantity, and the
final equity is the cash plus the positions at their last marks, recomputed
from the fills by the exact reference account (tests/portfolio/reference_pnl.py).

To pin new results after an intended change, run with ``TICKDECK_UPDATE_GOLDEN=1``:
the golden files are rewritten and each rewritten case fails, saying so, so
that an update is never mistaken for a pass. Review the diff, then run again.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pytest
from tests.portfolio.reference_pnl import final_equity_of

from tickdeck.core import DataKind, Instrument, OrderStatus
from tickdeck.data.catalog import Catalog
from tickdeck.data.ingest.pipeline import ingest
from tickdeck.data.sample import SAMPLE_INSTRUMENTS, write_sample_files
from tickdeck.engine import BacktestConfig, run_backtest
from tickdeck.execution import (
    BpsFee,
    ConstantLatency,
    LatencyProfile,
    LogNormalLatency,
    MakerTakerFee,
    SpreadFractionSlippage,
    UniformLatency,
)
from tickdeck.execution.config import ExchangeConfig
from tickdeck.execution.queue import ProbabilisticQueue
from tickdeck.results.analysis import run_metrics
from tickdeck.results.run import RunResult
from tickdeck.strategy.templates import TEMPLATES

GOLDEN = Path(__file__).with_name("golden")
REPOSITORY = Path(__file__).resolve().parents[2]
UPDATE = os.environ.get("TICKDECK_UPDATE_GOLDEN") == "1"

EURUSD = "EURUSD.DUKA"
ACME = "ACME.XNAS"
HALF = Instrument("EURHALF", "SYNTH", "0.00001", "1000", currency="USD", asset_class="fx")
MS = 1_000_000


# -- the data ------------------------------------------------------------------------


def build_catalog(root: Path) -> Catalog:
    """The sample files (seed 7, one day), ingested, plus the two derived quote streams."""
    files = write_sample_files(root / "sample", seed=7, days=1)
    catalog = Catalog(root / "catalog")
    ingest(catalog, list(files.eurusd_bi5), instrument=SAMPLE_INSTRUMENTS[EURUSD], format="bi5")
    acme = SAMPLE_INSTRUMENTS[ACME]
    ingest(catalog, [files.acme_trades_csv], instrument=acme, format="csv", kind="trades")
    ingest(catalog, [files.acme_bars_csv], instrument=acme, format="yahoo-bars")
    rng = np.random.default_rng(7)
    # ACME quotes: one microsecond before each trade, one or two cents either side of it.
    trades = catalog.read(DataKind.TRADE, ACME)
    ts = trades.column("ts_recv").to_numpy() - 1_000
    ticks = acme.prices_to_ticks(trades.column("price").to_numpy())
    sizes = rng.integers(1, 10, (2, ts.size)).astype(np.float64) * 100
    quotes: dict[str, Any] = {
        "ts_event": ts,
        "ts_recv": ts,
        "bid_price": acme.ticks_to_prices(ticks - rng.integers(1, 3, ts.size)),
        "ask_price": acme.ticks_to_prices(ticks + rng.integers(1, 3, ts.size)),
        "bid_size": sizes[0],
        "ask_size": sizes[1],
    }
    catalog.write(DataKind.QUOTE, ACME, pa.table(quotes))
    # A second leg: half EURUSD's mid plus a constant plus a mean-reverting noise (in ticks).
    leg = catalog.read(DataKind.QUOTE, EURUSD)
    ts = leg.column("ts_recv").to_numpy()
    mid = (leg.column("bid_price").to_numpy() + leg.column("ask_price").to_numpy()) / 2
    shocks = rng.normal(0.0, 0.5, ts.size)
    noise = np.zeros(ts.size)
    for i in range(1, ts.size):
        noise[i] = 0.995 * noise[i - 1] + shocks[i]
    centre = np.rint(mid * 50_000 + 55_000 + noise).astype(np.int64)
    catalog.add_instrument(HALF)
    leg_b: dict[str, Any] = {
        "ts_event": ts,
        "ts_recv": ts,
        "bid_price": HALF.ticks_to_prices(centre - 1),
        "ask_price": HALF.ticks_to_prices(centre + 1),
        "bid_size": np.full(ts.size, 5.0),
        "ask_size": np.full(ts.size, 5.0),
    }
    catalog.write(DataKind.QUOTE, HALF.id, pa.table(leg_b))
    return catalog


@pytest.fixture(scope="module")
def catalog(tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    return build_catalog(tmp_path_factory.mktemp("golden"))


# -- the cases -----------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    template: str
    instruments: tuple[str, ...]
    kinds: tuple[DataKind, ...]
    params: dict[str, Any] = field(default_factory=dict)
    exchange: ExchangeConfig = field(default_factory=ExchangeConfig)
    latency: LatencyProfile = field(default_factory=LatencyProfile)
    seed: int = 0

    def config(self) -> BacktestConfig:
        return BacktestConfig(
            instruments=self.instruments,
            kinds=self.kinds,
            seed=self.seed,
            exchange=self.exchange,
            latency=self.latency,
        )


QUOTES, TRADES, BARS = (DataKind.QUOTE,), (DataKind.TRADE,), (DataKind.BAR,)
CASES: dict[str, Case] = {
    "sma_crossover": Case(
        "sma_crossover", (EURUSD,), QUOTES, {"fast": 20, "slow": 100, "quantity": 1000}
    ),
    # Random latency on every leg (drawn from the run's seed), and a fee per fill.
    "sma_crossover_latency_fees": Case(
        "sma_crossover",
        (EURUSD,),
        QUOTES,
        {"fast": 50, "slow": 200, "quantity": 2000, "allow_short": False},
        exchange=ExchangeConfig(fees=BpsFee(0.2)),
        latency=LatencyProfile(
            market_data=ConstantLatency(2 * MS),
            order_entry=UniformLatency(1 * MS, 20 * MS),
            report=LogNormalLatency(5 * MS, sigma=0.7),
        ),
        seed=11,
    ),
    "rsi_mean_reversion": Case(
        "rsi_mean_reversion", (EURUSD,), QUOTES, {"window": 14, "bar_seconds": 60}
    ),
    "bollinger_breakout_slippage": Case(
        "bollinger_breakout",
        (EURUSD,),
        QUOTES,
        {"window": 20, "k": 2.0, "bar_seconds": 60},
        exchange=ExchangeConfig(
            slippage=SpreadFractionSlippage(0.5), fees=MakerTakerFee(-0.1, 0.3)
        ),
    ),
    # Bars only: each decision fills at the next bar's open.
    "time_series_momentum_bars": Case(
        "time_series_momentum",
        (ACME,),
        BARS,
        {"lookback": 20, "bar_seconds": 86_400, "quantity": 100},
        # No slippage model here: on bars the exchange does not apply it yet (see
        # test_on_bars_taker_fills_pay_the_slippage_model), and a golden file must not pin
        # a run that ignores part of its configuration.
        exchange=ExchangeConfig(fees=BpsFee(1.0)),
    ),
    "pairs_trading": Case(
        "pairs_trading",
        (EURUSD, HALF.id),
        QUOTES,
        {"hedge_window": 120, "z_window": 60, "quantity": 10_000, "hedge_lot": 1000},
    ),
    "market_maker": Case(
        "market_maker",
        (EURUSD,),
        QUOTES,
        {"tick_size": 0.00001, "size": 1000, "max_inventory": 3000, "requote_ticks": 3},
        exchange=ExchangeConfig(fees=MakerTakerFee(-0.2, 0.5)),
    ),
    # Trades only: a trade through a resting quote fills it in full.
    "market_maker_trades": Case(
        "market_maker",
        (ACME,),
        TRADES,
        {"tick_size": 0.01, "size": 100, "max_inventory": 300},
    ),
    # Quotes and trades: the queue ahead decides, estimated by the probabilistic model.
    "market_maker_queue": Case(
        "market_maker",
        (ACME,),
        (DataKind.QUOTE, DataKind.TRADE),
        {"tick_size": 0.01, "size": 100, "max_inventory": 300, "half_spread_ticks": 0},
        exchange=ExchangeConfig(queue=ProbabilisticQueue(2.0)),
        latency=LatencyProfile(order_entry=ConstantLatency(3 * MS)),
    ),
}


def run_case(catalog: Catalog, name: str) -> RunResult:
    case = CASES[name]
    return run_backtest(catalog, TEMPLATES[case.template], case.config(), params=case.params)


# -- the summary ---------------------------------------------------------------------


def _hex(value: float) -> str:
    return float(value).hex()


def _digest(rows: list[str]) -> str:
    return hashlib.sha256("\n".join(rows).encode()).hexdigest()


def fills_digest(result: RunResult) -> str:
    return _digest(
        [
            f"{f.order_id} {f.instrument} {f.ts} {int(f.side)} {_hex(f.quantity)} "
            f"{_hex(f.price)} {_hex(f.fee)} {int(f.liquidity)} {_hex(f.slippage)}"
            for f in result.fills
        ]
    )


def summarize(result: RunResult) -> dict[str, Any]:
    """What a golden file pins. Floats as hex; a readable copy of them for reviewers."""
    metrics = run_metrics(result)
    statuses: dict[str, int] = {}
    for order in result.orders:
        statuses[order.status.label] = statuses.get(order.status.label, 0) + 1
    figures = {
        "final_equity": result.final_equity,
        "total_return": metrics.total_return,
        "sharpe_ratio": metrics.sharpe_ratio,
        "max_drawdown": metrics.max_drawdown,
        "fees": math.fsum(f.fee for f in result.fills),
        "traded_quantity": math.fsum(f.quantity for f in result.fills),
    }
    orders = [
        f"{o.order_id} {o.status.label} {o.reject_reason.label} {_hex(o.filled_quantity)} "
        f"{o.ts_created} {o.ts_updated}"
        for o in result.orders
    ]
    curve = result.equity
    return {
        "events": result.events,
        "orders": len(result.orders),
        "orders_by_status": dict(sorted(statuses.items())),
        "fills": len(result.fills),
        "round_trips": len(result.trades),
        "equity_samples": int(curve.ts.size),
        **{name: _hex(value) for name, value in figures.items()},
        "fills_sha256": fills_digest(result),
        "orders_sha256": _digest(orders),
        "equity_sha256": hashlib.sha256(
            curve.ts.tobytes() + curve.equity.tobytes() + curve.cash.tobytes()
        ).hexdigest(),
        "readable": {name: repr(value) for name, value in figures.items()},
    }


# -- what must hold whatever the numbers -------------------------------------------


def last_marks(catalog: Catalog, case: Case) -> dict[str, float]:
    """The last price the engine marks each instrument at: the mid of its last quote, else
    its last trade, else its last bar's close (docs/portfolio.md, rule 6)."""
    marks = {}
    for instrument in case.instruments:
        if DataKind.QUOTE in case.kinds:
            table = catalog.read(DataKind.QUOTE, instrument)
            order = np.argsort(table.column("ts_recv").to_numpy(), kind="stable")
            bid = table.column("bid_price").to_numpy()[order][-1]
            ask = table.column("ask_price").to_numpy()[order][-1]
            marks[instrument] = float((bid + ask) * 0.5)
        else:
            kind, column = (
                (DataKind.TRADE, "price")
                if DataKind.TRADE in case.kinds
                else (
                    DataKind.BAR,
                    "close",
                )
            )
            table = catalog.read(kind, instrument)
            order = np.argsort(table.column("ts_recv").to_numpy(), kind="stable")
            marks[instrument] = float(table.column(column).to_numpy()[order][-1])
    return marks


def check_invariants(catalog: Catalog, case: Case, result: RunResult) -> None:
    assert result.complete
    assert math.isfinite(result.final_equity)
    assert np.isfinite(result.equity.equity).all()
    assert result.equity.equity[-1] == result.final_equity  # sampled at the end of the run
    assert result.fills, "a golden run that never trades pins nothing about fills"
    filled: dict[int, float] = {}
    for fill in result.fills:
        filled[fill.order_id] = filled.get(fill.order_id, 0.0) + fill.quantity
    # The result's orders are their final states: what their fills add up to.
    stale = [
        f"order {o.order_id}: {o.status.label} with {o.filled_quantity:g} filled, "
        f"fills total {filled.get(o.order_id, 0.0):g}"
        for o in result.orders
        if filled.get(o.order_id, 0.0) != pytest.approx(o.filled_quantity)
        or (
            o.status == OrderStatus.FILLED
            and o.filled_quantity != pytest.approx(o.request.quantity)
        )
    ]
    assert not stale, f"{len(stale)} of {len(result.orders)} orders: " + "; ".join(stale[:3])
    instruments = {i: catalog.instrument(i) for i in case.instruments}
    expected = final_equity_of(
        instruments, result.initial_cash, result.fills, last_marks(catalog, case)
    )
    assert result.final_equity == pytest.approx(float(expected), rel=1e-12, abs=1e-6)


# -- the tests -----------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(CASES))
def test_a_golden_run_reproduces_its_pinned_summary(catalog: Catalog, name: str) -> None:
    result = run_case(catalog, name)
    check_invariants(catalog, CASES[name], result)
    summary = summarize(result)
    path = GOLDEN / f"{name}.json"
    if UPDATE:
        path.parent.mkdir(exist_ok=True)
        path.write_text(json.dumps(summary, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        pytest.fail(f"TICKDECK_UPDATE_GOLDEN=1: rewrote {path}; review the diff, rerun without it")
    assert path.exists(), f"no golden file {path}: run once with TICKDECK_UPDATE_GOLDEN=1"
    assert summary == json.loads(path.read_text(encoding="utf-8"))


def test_every_template_has_a_golden_run() -> None:
    assert {case.template for case in CASES.values()} == set(TEMPLATES)


def test_the_same_run_twice_in_one_process_is_bit_identical(catalog: Catalog) -> None:
    first = run_case(catalog, "sma_crossover_latency_fees")
    second = run_case(catalog, "sma_crossover_latency_fees")
    assert first.fills == second.fills
    assert first.orders == second.orders
    assert summarize(first) == summarize(second)


def test_a_run_in_a_fresh_process_gives_the_same_fills(catalog: Catalog) -> None:
    """Another interpreter, another hash seed: the same fills, bit for bit."""
    name = "sma_crossover_latency_fees"  # random latencies: the generator must agree too
    script = (
        "import sys\n"
        "from tickdeck.data.catalog import Catalog\n"
        "from tests.engine.test_golden_runs import fills_digest, run_case\n"
        "print(fills_digest(run_case(Catalog(sys.argv[1]), sys.argv[2])))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(catalog.root), name],
        cwd=REPOSITORY,
        env={**os.environ, "PYTHONHASHSEED": "1234"},
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == fills_digest(run_case(catalog, name))
