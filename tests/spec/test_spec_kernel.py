"""`run_spec_compiled`: the event-driven run of a spec, computed by compiled kernels.

The template specs give the same run both ways (100k generated quotes, and
the shipped sample data), parameters and errors behave as in `run_spec`, the
result works in the run store and the report unchanged, and anything outside
the compiled subset is refused up front, naming what is not supported.
Generated specs are compared in test_spec_kernel_identity.py.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
from tests.spec.kernel_compare import assert_same_run, plain
from tests.strategy.templates.templates_catalog import ACME, EURUSD, sample_catalog

from tickdeck.core import DataKind, InputError, Instrument
from tickdeck.data.catalog import Catalog
from tickdeck.results.report import render_report
from tickdeck.results.store import RunStore
from tickdeck.spec import (
    compiled_unsupported,
    parse_spec,
    run_spec,
    run_spec_compiled,
    template_names,
    template_spec,
)

PAIR = Instrument("GBPUSD", "GEN", "0.00001", asset_class="fx")
START = 1_704_186_000_000_000_000


def random_walk(count: int, seed: int) -> pa.Table:
    """Quotes ~20 ms apart: a tick random walk, 1-3 tick spreads, sizes that vary."""
    rng = np.random.default_rng(seed)
    recv = START + np.cumsum(rng.exponential(20_000_000, count).astype(np.int64) + 1)
    bid = 125_000 + np.cumsum(rng.choice([-1, 0, 1], count, p=[0.25, 0.5, 0.25]))
    ask = bid + rng.choice([1, 2, 3], count, p=[0.6, 0.3, 0.1])
    return pa.table(
        {
            "ts_event": recv - rng.integers(100_000, 2_000_000, count),
            "ts_recv": recv,
            "bid_price": PAIR.ticks_to_prices(bid),
            "ask_price": PAIR.ticks_to_prices(ask),
            "bid_size": rng.integers(1, 21, count) * 100.0,
            "ask_size": rng.integers(1, 21, count) * 100.0,
        }
    )


@pytest.fixture(scope="module")
def walk(tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    catalog = Catalog(Path(tmp_path_factory.mktemp("kernel_walk")) / "catalog")
    catalog.add_instrument(PAIR)
    catalog.write(DataKind.QUOTE, PAIR.id, random_walk(100_000, seed=7))
    return catalog


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    return sample_catalog(
        Path(tmp_path_factory.mktemp("kernel_sample")), eurusd=True, acme_bars=True
    )


def test_the_sma_crossover_template_runs_identically_on_100k_quotes(walk: Catalog) -> None:
    spec = template_spec("sma_crossover")
    event = run_spec(walk, spec, instruments=[PAIR.id])
    compiled = run_spec_compiled(walk, spec, instruments=[PAIR.id])
    assert compiled.events == 100_000
    assert len(event.orders) > 1000, "the comparison must cover many orders"
    assert any(f.basis.label == "synthetic_depth" for f in event.fills)  # beyond the top
    assert_same_run(event, compiled)
    # The records compare equal as sequences, whichever side holds them as columns.
    assert compiled.orders == event.orders
    assert event.fills == compiled.fills
    assert compiled.trades == tuple(event.trades)


@pytest.mark.parametrize("name", ["sma_crossover", "rsi_mean_reversion", "bollinger_breakout"])
def test_a_template_spec_runs_identically_on_the_sample_quotes(sample: Catalog, name: str) -> None:
    spec = template_spec(name)
    event = run_spec(sample, spec, instruments=[EURUSD])
    assert len(event.orders) >= 10
    assert_same_run(event, run_spec_compiled(sample, spec, instruments=[EURUSD]))


def test_the_momentum_template_runs_identically_on_stored_daily_bars(sample: Catalog) -> None:
    spec = template_spec("time_series_momentum")
    event = run_spec(sample, spec, instruments=[ACME])
    assert len(event.orders) >= 5
    assert all(f.basis.label == "bar_path" for f in event.fills)
    assert_same_run(event, run_spec_compiled(sample, spec, instruments=[ACME]))


def test_every_shipped_template_spec_is_in_the_compiled_subset() -> None:
    assert {name: compiled_unsupported(template_spec(name)) for name in template_names()} == {
        name: [] for name in template_names()
    }


def test_parameters_are_the_specs_numbers_as_in_run_spec(walk: Catalog) -> None:
    spec = template_spec("sma_crossover")
    params = {"fast.period": 7, "slow.period": 31, "sizing.quantity": 300}
    event = run_spec(walk, spec, params=params, instruments=[PAIR.id])
    compiled = run_spec_compiled(walk, spec, params=params, instruments=[PAIR.id])
    assert compiled.params["fast.period"] == 7
    assert {o.request.quantity for o in compiled.orders} == {300.0, 600.0}
    assert_same_run(event, compiled)


@pytest.mark.parametrize(
    ("params", "instrument", "message"),
    [
        ({"fast.perod": 5}, PAIR.id, r"did you mean 'fast\.period'"),
        ({"fast.period": 0}, PAIR.id, r"param fast.period: got 0, expected at least 1"),
        ({"instrument": "EURUSD.GEN"}, PAIR.id, "one of the run's instruments"),
    ],
)
def test_a_bad_parameter_is_the_same_error_as_in_run_spec(
    walk: Catalog, params: dict[str, object], instrument: str, message: str
) -> None:
    spec = template_spec("sma_crossover")
    with pytest.raises(InputError, match=message) as event:
        run_spec(walk, spec, params=params, instruments=[instrument])
    with pytest.raises(InputError, match=message) as compiled:
        run_spec_compiled(walk, spec, params=params, instruments=[instrument])
    assert str(compiled.value) == str(event.value)


def test_two_compiled_runs_are_bit_identical(walk: Catalog) -> None:
    spec = template_spec("bollinger_breakout")
    first = run_spec_compiled(walk, spec, instruments=[PAIR.id])
    second = run_spec_compiled(walk, spec, instruments=[PAIR.id])
    assert [plain(f) for f in first.fills] == [plain(f) for f in second.fills]
    assert first.equity.equity.tobytes() == second.equity.equity.tobytes()


def test_the_result_goes_through_the_store_and_the_report(walk: Catalog, tmp_path: Path) -> None:
    spec = template_spec("sma_crossover")
    compiled = run_spec_compiled(walk, spec, instruments=[PAIR.id])
    event = run_spec(walk, spec, instruments=[PAIR.id])
    with RunStore(root=tmp_path / "runs") as store:
        loaded = store.load(store.save(compiled))
    assert [plain(o) for o in loaded.orders] == [plain(o) for o in compiled.orders]
    assert [plain(t) for t in loaded.trades] == [plain(t) for t in compiled.trades]
    assert loaded.extra == {"engine": "compiled"}
    report = render_report(compiled, title="t")
    expected = render_report(event, title="t")
    # The same page, plus the run's `extra` saying which path computed it.
    assert '<td>engine</td><td class="value mono">compiled</td>' in report
    extra = report.index("<h3>Extra</h3>")
    assert report[:extra] == expected[:extra]


# -- what the compiled path refuses ------------------------------------------------------------

BASE = template_spec("sma_crossover").model_dump(mode="json")


UNIFORM = {"type": "uniform", "low_ns": 1, "high_ns": 9}


def changed(**sections: object) -> dict[str, object]:
    return {**BASE, **sections}


@pytest.mark.parametrize(
    ("spec", "reason"),
    [
        (changed(data={"type": "trades"}), "data.type 'trades'"),
        (changed(data={"type": "bars", "seconds": 60, "source": "trades"}), "data.source 'trades'"),
        (
            changed(
                simulation={
                    "latency": {"order_entry": {"type": "uniform", "low_ns": 1, "high_ns": 9}}
                }
            ),
            "simulation.latency.order_entry: uniform latency",
        ),
        (
            changed(simulation={"latency": {"report": {"type": "lognormal", "median_ns": 5}}}),
            "simulation.latency.report: lognormal latency",
        ),
        (
            changed(simulation={"slippage": {"type": "square_root"}}),
            "square_root without default_volume",
        ),
    ],
)
def test_a_spec_outside_the_subset_is_refused_naming_why(
    walk: Catalog, spec: dict[str, object], reason: str
) -> None:
    parsed = parse_spec(spec)
    assert any(reason in problem for problem in compiled_unsupported(parsed))
    with pytest.raises(InputError, match="compiled path's subset") as refused:
        run_spec_compiled(walk, parsed, instruments=[PAIR.id])
    assert reason in str(refused.value)
    assert "run_spec" in str(refused.value)


def test_a_run_of_several_instruments_is_refused(sample: Catalog) -> None:
    with pytest.raises(InputError, match="exactly one instrument"):
        run_spec_compiled(sample, template_spec("sma_crossover"), instruments=[EURUSD, ACME])


def test_quotes_without_a_price_are_refused_naming_the_row(tmp_path: Path) -> None:
    catalog = Catalog(tmp_path / "catalog")
    catalog.add_instrument(PAIR)
    table = random_walk(50, seed=1)
    bids = table.column("bid_price").to_numpy().copy()
    bids[17] = math.nan
    catalog.write(DataKind.QUOTE, PAIR.id, table.set_column(2, "bid_price", pa.array(bids)))
    with pytest.raises(InputError, match=r"quotes\.bid_price\[17\]: got nan, expected a finite"):
        run_spec_compiled(catalog, template_spec("sma_crossover"), instruments=[PAIR.id])
