"""`tickdeck synth`: generate synthetic ticks into the catalog, and compare them with real ones.

- ``from-bars BARS.csv``: trades, quotes (and book) inside OHLCV bars, which
  resample back to exactly those bars;
- ``gbm``: a stochastic market without input data (GBM with optional GARCH,
  jumps, regimes, block trades, correlation);
- ``validate``: the stylized-facts report of an instrument, beside a real one.

Generated data is written under a synthetic instrument (``SYMBOL.VENUE-SYN``)
unless ``--output`` names another id.
"""

from __future__ import annotations

import json
import math
import re
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Annotated, Any

import pyarrow as pa
import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from tickdeck.cli._console import CatalogOption, console
from tickdeck.core import (
    BOOK_SNAPSHOT_DEPTH,
    DataKind,
    InputError,
    Instrument,
    format_timestamp,
    parse_duration,
    parse_timestamp,
)
from tickdeck.data.catalog import Catalog, WriteSummary
from tickdeck.data.ingest import SourceTable, read_source
from tickdeck.synth import (
    BarsConfig,
    BlockTrades,
    ExtremeOrder,
    GarchVolatility,
    HawkesArrivals,
    Jumps,
    MarketModel,
    Microstructure,
    PoissonArrivals,
    RegimeSwitching,
    Session,
    StylizedFacts,
    SyntheticTicks,
    iter_market,
    iter_ticks_from_bars,
    stylized_facts,
    synthetic_instrument,
    write_to_catalog,
)
from tickdeck.synth.abm import AbmConfig, simulate_abm, write_abm_to_catalog

__all__ = ["app"]

app = typer.Typer(
    help="Generate synthetic ticks (from bars or stochastic models) and validate them.",
    no_args_is_help=True,
)

_DEFAULT_CATALOG = Path("catalog")
_DAY_NS = 86_400_000_000_000
_SESSION = re.compile(r"^(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})$")

Seed = Annotated[int, typer.Option(help="Random seed: the same seed writes the same data.")]
ArrivalsOption = Annotated[str, typer.Option(help="Trade arrivals: poisson or hawkes.")]
BranchingOption = Annotated[
    float, typer.Option(help="Hawkes: trades triggered per trade (0 to 0.95).")
]
BookOption = Annotated[
    int, typer.Option(help=f"L2 levels per side in book snapshots (0 to {BOOK_SNAPSHOT_DEPTH}).")
]
SessionOption = Annotated[
    str | None, typer.Option(help="Daily trading session in UTC, e.g. 14:30-21:00.")
]
OutputOption = Annotated[
    str | None, typer.Option("--output", "-o", help="Write under this id (default ID-SYN).")
]


def _session(text: str | None) -> Session | None:
    if text is None:
        return None
    match = _SESSION.match(text.strip())
    if not match:
        raise InputError("--session", text, "HH:MM-HH:MM in UTC, e.g. 14:30-21:00")
    h0, m0, h1, m1 = (int(g) for g in match.groups())
    if h0 > 23 or h1 > 24 or m0 > 59 or m1 > 59 or (h1 == 24 and m1):
        raise InputError("--session", text, "times of day between 00:00 and 24:00")
    minute = 60_000_000_000
    return Session((h0 * 60 + m0) * minute, (h1 * 60 + m1) * minute)


def _microstructure(
    arrivals: str, branching: float, book_levels: int, session: str | None
) -> Microstructure:
    kind = arrivals.strip().lower()
    if kind not in ("poisson", "hawkes"):
        raise InputError("--arrivals", arrivals, "poisson or hawkes")
    process = HawkesArrivals(branching_ratio=branching) if kind == "hawkes" else PoissonArrivals()
    return Microstructure(arrivals=process, book_levels=book_levels, session=_session(session))


def _define(
    catalog: Catalog,
    instrument_id: str,
    tick_size: str | None,
    lot_size: str,
    currency: str | None,
    asset_class: str | None,
) -> Instrument:
    """The catalog's instrument, or a new one defined by the flags."""
    symbol, venue = Instrument.parse_id(instrument_id)
    known = {i.id: i for i in catalog.instruments()}
    if tick_size is None:
        if instrument_id not in known:
            raise InputError(
                "--instrument",
                instrument_id,
                "an instrument of the catalog",
                hint="define a new one with --tick-size, --currency and --asset-class",
            )
        return known[instrument_id]
    if currency is None or asset_class is None:
        missing = "--currency" if currency is None else "--asset-class"
        raise InputError(missing, None, f"a value when defining the new instrument {instrument_id}")
    return Instrument(symbol, venue, tick_size, lot_size, 1, currency, asset_class)


def _target(instrument: Instrument, output: str | None) -> Instrument:
    if output is None:
        return synthetic_instrument(instrument)
    symbol, venue = Instrument.parse_id(output)
    return Instrument(
        symbol,
        venue,
        instrument.tick_size,
        instrument.lot_size,
        instrument.multiplier,
        instrument.currency,
        instrument.asset_class,
    )


ModeOption = Annotated[
    str,
    typer.Option(
        "--mode",
        help="If the target already holds data: new (refuse, the default), replace (delete "
        "the target's data first) or merge (add: only for the same generator and seed).",
    ),
]


def _prepare(catalog: Catalog, targets: list[Instrument], mode: str) -> None:
    """Refuse to mix two generated histories in one instrument unless asked to."""
    if mode not in ("new", "replace", "merge"):
        raise InputError("--mode", mode, "new, replace or merge")
    for target in targets:
        known = {i.id for i in catalog.instruments()}
        held = catalog.partitions(instrument_id=target.id) if target.id in known else []
        if not held or mode == "merge":
            continue
        if mode == "new":
            raise InputError(
                "--mode",
                mode,
                f"an empty target, but {target.id} already holds {sum(p.rows for p in held):,} "
                "rows",
                hint="--mode replace regenerates it; --mode merge adds to it (another seed "
                "would interleave two paths)",
            )
        with catalog.transaction() as tx:
            for kind in dict.fromkeys(p.kind for p in held):
                tx.delete(kind, target.id)


def _progress(quiet: bool) -> Progress:
    return Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
        disable=quiet,
    )


def _advancing(parts: Iterable[Any], bar: Progress, task: Any) -> Iterator[Any]:
    for part in parts:
        yield part
        bar.advance(task)


def _json_summary(summaries: list[WriteSummary], seconds: float) -> dict[str, Any]:
    rows: dict[str, int] = {}
    added: dict[str, int] = {}
    for s in summaries:  # a kind written in several blocks adds up
        rows[s.kind.label] = rows.get(s.kind.label, 0) + s.rows_offered
        added[s.kind.label] = added.get(s.kind.label, 0) + s.rows_added
    return {
        "instrument": summaries[0].instrument_id if summaries else None,
        "rows": rows,
        "rows_added": added,
        "seconds": seconds,
    }


def _report(summaries: list[WriteSummary], seconds: float, as_json: bool) -> None:
    ids = list(dict.fromkeys(s.instrument_id for s in summaries))
    if as_json:
        if len(ids) <= 1:
            payload: dict[str, Any] = _json_summary(summaries, seconds)
        else:
            payload = {
                "instruments": [
                    _json_summary([s for s in summaries if s.instrument_id == i], seconds)
                    for i in ids
                ],
                "seconds": seconds,
            }
        console.print_json(json.dumps(payload))
        return
    rows: dict[str, int] = {}
    for s in summaries:
        rows[s.kind.label] = rows.get(s.kind.label, 0) + s.rows_offered
    ticks = rows.get("trades", 0) + rows.get("quotes", 0)
    parts = ", ".join(f"{n:,} {kind}" for kind, n in rows.items()) or "nothing"
    target = summaries[0].instrument_id if summaries else "-"
    console.print(
        f"[bold]{target}[/]: wrote {parts} in {seconds:.2f}s "
        f"({ticks / max(seconds, 1e-9) / 1e6:.2f}M ticks/s, catalog write included)"
    )


@app.command("from-bars")
def from_bars(
    bars: Annotated[
        Path | None, typer.Argument(help="Bar file (CSV/Parquet, Yahoo, Dukascopy, ...).")
    ] = None,
    instrument: Annotated[
        str, typer.Option("--instrument", "-i", help="Instrument id SYMBOL.VENUE of the bars.")
    ] = "",
    catalog: CatalogOption = _DEFAULT_CATALOG,
    from_catalog: Annotated[
        bool, typer.Option("--from-catalog", help="Use the instrument's bars in the catalog.")
    ] = False,
    format: Annotated[
        str, typer.Option("--format", "-f", help="Bar file format (as for data ingest).")
    ] = "auto",
    interval: Annotated[
        str | None, typer.Option(help="Bar length, if the bars do not say (e.g. 1m).")
    ] = None,
    output: OutputOption = None,
    mode: ModeOption = "new",
    seed: Seed = 0,
    trades_per_bar: Annotated[
        float, typer.Option(help="Mean trades in a bar of average volume.")
    ] = 200.0,
    extreme_order: Annotated[
        str, typer.Option(help="Which extreme comes first: shortest or random.")
    ] = "shortest",
    roughness: Annotated[float, typer.Option(help="Path roughness (0: straight).")] = 1.0,
    arrivals: ArrivalsOption = "poisson",
    branching: BranchingOption = 0.6,
    book_levels: BookOption = 0,
    session: SessionOption = None,
    tick_size: Annotated[str | None, typer.Option(help="Define a new instrument: tick.")] = None,
    lot_size: Annotated[str, typer.Option(help="New instrument: size increment.")] = "1",
    currency: Annotated[str | None, typer.Option(help="New instrument: currency.")] = None,
    asset_class: Annotated[str | None, typer.Option(help="New instrument: asset class.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> None:
    """Generate ticks inside OHLCV bars; they resample back to exactly those bars."""
    if not instrument:
        raise InputError("--instrument", instrument, "the id of the bars' instrument")
    if (bars is None) == (not from_catalog):
        raise InputError("BARS", bars, "a bar file, or --from-catalog (not both)")
    cat = Catalog(catalog)
    source_instrument = _define(cat, instrument, tick_size, lot_size, currency, asset_class)
    table: SourceTable | pa.Table
    if bars is not None:
        table = read_source(bars, format=format, kind=DataKind.BAR)
        count = table.num_rows
    else:
        table = cat.read(DataKind.BAR, instrument)
        count = table.num_rows
        if count == 0:
            raise InputError("--from-catalog", instrument, "an instrument with bars in the catalog")
    config = BarsConfig(
        trades_per_bar=trades_per_bar,
        extreme_order=ExtremeOrder.parse(extreme_order, field="--extreme-order"),
        path_roughness=roughness,
        microstructure=_microstructure(arrivals, branching, book_levels, session),
    )
    length = parse_duration(interval, field="--interval") if interval else None
    target = _target(source_instrument, output)
    _prepare(cat, [target], mode)
    started = time.perf_counter()
    parts = iter_ticks_from_bars(
        table, source_instrument, seed=seed, config=config, interval_ns=length
    )
    with _progress(as_json) as bar:
        task = bar.add_task("bars", total=count)

        def advancing() -> Iterator[dict[Instrument, SyntheticTicks]]:
            for block in parts:
                yield {target: block.ticks}
                bar.advance(task, block.stop - block.start)

        summaries = write_to_catalog(cat, advancing())
    _report(summaries, time.perf_counter() - started, as_json)


@app.command()
def gbm(
    instrument: Annotated[
        list[str], typer.Option("--instrument", "-i", help="Instrument id (repeat for several).")
    ],
    catalog: CatalogOption = _DEFAULT_CATALOG,
    start: Annotated[str, typer.Option(help="Start time (ISO 8601, UTC).")] = "2024-01-02",
    days: Annotated[float, typer.Option(help="Length of the simulation in days.")] = 1.0,
    price: Annotated[
        list[float] | None, typer.Option(help="Start price (repeat per instrument).")
    ] = None,
    volatility: Annotated[float, typer.Option(help="Annualised volatility.")] = 0.2,
    drift: Annotated[float, typer.Option(help="Annualised drift.")] = 0.0,
    garch: Annotated[bool, typer.Option(help="GARCH volatility clustering.")] = False,
    jumps_per_day: Annotated[float, typer.Option(help="Mean jumps per day (0: none).")] = 0.0,
    jump_std: Annotated[float, typer.Option(help="Std of log jump sizes.")] = 0.003,
    regimes: Annotated[
        bool, typer.Option(help="Regime switching: calm, volatile, news shocks.")
    ] = False,
    blocks: Annotated[bool, typer.Option(help="Block trades with price impact.")] = False,
    correlation: Annotated[
        float, typer.Option(help="Correlation between every pair of instruments.")
    ] = 0.0,
    trades_per_day: Annotated[float, typer.Option(help="Mean trades a day.")] = 20_000.0,
    output: OutputOption = None,
    mode: ModeOption = "new",
    seed: Seed = 0,
    arrivals: ArrivalsOption = "poisson",
    branching: BranchingOption = 0.6,
    book_levels: BookOption = 0,
    session: SessionOption = None,
    tick_size: Annotated[str | None, typer.Option(help="Define new instruments: tick.")] = None,
    lot_size: Annotated[str, typer.Option(help="New instruments: size increment.")] = "1",
    currency: Annotated[str | None, typer.Option(help="New instruments: currency.")] = None,
    asset_class: Annotated[str | None, typer.Option(help="New instruments: asset class.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> None:
    """Simulate a stochastic market (GBM and optional effects) into the catalog."""
    cat = Catalog(catalog)
    chosen = [_define(cat, i, tick_size, lot_size, currency, asset_class) for i in instrument]
    if output is not None and len(chosen) != 1:
        raise InputError("--output", output, "one instrument (with --output)")
    prices = list(price or [100.0])
    if len(prices) == 1:
        prices *= len(chosen)
    if not (math.isfinite(days) and days > 0):
        raise InputError("--days", days, "a positive number of days")
    n = len(chosen)
    matrix = None
    if n > 1 and correlation != 0.0:
        matrix = tuple(tuple(1.0 if a == b else correlation for b in range(n)) for a in range(n))
    model = MarketModel(
        volatility=volatility,
        drift=drift,
        garch=GarchVolatility() if garch else None,
        jumps=Jumps(per_day=jumps_per_day, std=jump_std) if jumps_per_day > 0 else None,
        regimes=RegimeSwitching() if regimes else None,
        blocks=BlockTrades() if blocks else None,
        correlation=matrix,
        trades_per_day=trades_per_day,
        microstructure=_microstructure(arrivals, branching, book_levels, session),
    )
    start_ns = parse_timestamp(start, field="--start")
    end_ns = start_ns + round(days * _DAY_NS)
    targets = [_target(i, output) for i in chosen]
    _prepare(cat, targets, mode)
    started = time.perf_counter()
    blocks_iter = iter_market(
        model, chosen, start_ns=start_ns, end_ns=end_ns, seed=seed, start_prices=prices
    )
    total_days = len(range(start_ns // _DAY_NS, (end_ns - 1) // _DAY_NS + 1))
    with _progress(as_json) as bar:
        task = bar.add_task(f"{n} instrument(s)", total=total_days)
        summaries = write_to_catalog(
            cat,
            (
                {t: block.ticks[s.id] for s, t in zip(chosen, targets, strict=True)}
                for block in _advancing(blocks_iter, bar, task)
            ),
        )
    seconds = time.perf_counter() - started
    if as_json:
        _report(summaries, seconds, as_json=True)
        return
    for target in targets:
        _report([s for s in summaries if s.instrument_id == target.id], seconds, as_json=False)
    console.print(f"from {format_timestamp(start_ns)} to {format_timestamp(end_ns)}")


@app.command()
def abm(
    instrument: Annotated[str, typer.Option("--instrument", "-i", help="Instrument id.")],
    catalog: CatalogOption = _DEFAULT_CATALOG,
    price: Annotated[float, typer.Option(help="Initial price, on the tick grid.")] = 100.0,
    start: Annotated[str, typer.Option(help="Start time (ISO 8601, UTC).")] = "2024-01-02T14:30",
    duration: Annotated[str, typer.Option(help="Simulated time, e.g. 30m or 6h.")] = "30m",
    config: Annotated[
        Path | None,
        typer.Option(
            "--config",
            help="JSON file of agent settings (noise, market_makers, momentum, fundamental, "
            "warmup_ns, snapshot_interval_ns, price_levels, max_resting_orders).",
        ),
    ] = None,
    output: OutputOption = None,
    seed: Seed = 0,
    mode: ModeOption = "new",
    tick_size: Annotated[str | None, typer.Option(help="Define new instruments: tick.")] = None,
    lot_size: Annotated[str, typer.Option(help="New instruments: size increment.")] = "1",
    currency: Annotated[str | None, typer.Option(help="New instruments: currency.")] = None,
    asset_class: Annotated[str | None, typer.Option(help="New instruments: asset class.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> None:
    """Run the agent-based order book and write its L3, L2, trades and quotes to the catalog."""
    cat = Catalog(catalog)
    target = _target(_define(cat, instrument, tick_size, lot_size, currency, asset_class), output)
    _prepare(cat, [target], mode)
    settings: dict[str, Any] = {}
    if config is not None:
        try:
            settings = json.loads(config.read_text(encoding="utf-8"))
        except OSError as exc:
            raise InputError(
                "--config", str(config), "a readable JSON file", hint=exc.strerror
            ) from None
        except json.JSONDecodeError as exc:
            raise InputError(
                "--config",
                str(config),
                f"JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})",
            ) from None
        if not isinstance(settings, dict):
            raise InputError("--config", str(config), "a JSON object of agent settings")
    start_ns = parse_timestamp(start, field="--start")
    abm_config = AbmConfig.from_dict(
        {
            **settings,
            "instrument": target,
            "initial_price": price,
            "start_ns": start_ns,
            "duration_ns": parse_duration(duration, field="--duration"),
        }
    )
    started = time.perf_counter()
    with _progress(as_json) as bar:
        task = bar.add_task(target.id, total=abm_config.duration_ns)
        result = simulate_abm(
            abm_config,
            seed,
            progress=lambda done, total: bar.update(task, completed=done, total=total),
        )
        summaries = write_abm_to_catalog(cat, result)
    _report(summaries, time.perf_counter() - started, as_json)
    if result.dropped_orders and not as_json:
        console.print(f"[yellow]{result.dropped_orders:,} agent orders found the book full[/]")


def _facts(
    catalog: Catalog,
    instrument_id: str,
    start: int | None,
    end: int | None,
    interval_ns: int,
    window_ns: int,
) -> StylizedFacts:
    instrument = catalog.instrument(instrument_id)
    trades = catalog.read(DataKind.TRADE, instrument_id, start=start, end=end)
    quotes = catalog.read(DataKind.QUOTE, instrument_id, start=start, end=end)
    if trades.num_rows == 0 and quotes.num_rows == 0:
        raise InputError("instrument", instrument_id, "an instrument with trades or quotes")
    return stylized_facts(
        trades,
        quotes if quotes.num_rows else None,
        instrument,
        return_interval_ns=interval_ns,
        count_window_ns=window_ns,
    )


def _number(value: float, digits: int = 3) -> str:
    return "-" if not math.isfinite(value) else f"{value:.{digits}g}"


def _lags(values: tuple[float, ...]) -> str:
    shown = [values[0], sum(values) / len(values)] if values else []
    return " / ".join(_number(v, 2) for v in shown) if shown else "-"


# (label, how to show it from StylizedFacts, what real liquid markets show)
_ROWS: tuple[tuple[str, Any, str], ...] = (
    ("trades", lambda f: f"{f.trades:,}", ""),
    ("quotes", lambda f: f"{f.quotes:,}", ""),
    ("returns measured", lambda f: f"{f.returns:,}", ""),
    ("kurtosis of returns", lambda f: _number(f.kurtosis), "> 3 (heavy tails)"),
    ("acf(r) lag 1 / mean 1-10", lambda f: _lags(f.return_acf), "about 0"),
    ("acf(|r|) lag 1 / mean 1-10", lambda f: _lags(f.abs_return_acf), "> 0, slow decay"),
    ("acf(sign) lag 1 / mean 1-10", lambda f: _lags(f.sign_acf), "> 0 (persistent flow)"),
    ("spread mean / median (ticks)", lambda f: (
        f"{_number(f.spread_mean_ticks)} / {_number(f.spread_median_ticks)}"), ""),
    ("spread p90 (ticks)", lambda f: _number(f.spread_p90_ticks), "right-skewed"),
    ("spread at one tick", lambda f: _number(f.spread_one_tick_share, 2), ""),
    ("activity by tenth of day", lambda f: " ".join(
        _number(v, 2) for v in f.activity_profile), "U-shaped"),
    ("U-shape ratio (ends / middle)", lambda f: _number(f.u_shape_ratio), "> 1"),
    ("count dispersion (var/mean)", lambda f: _number(f.count_dispersion), "> 1 (clustering)"),
    ("trade size tail index", lambda f: _number(f.size_tail_index), "about 1.5 to 2"),
)  # fmt: skip


def facts_table(facts: StylizedFacts, real: StylizedFacts | None, labels: tuple[str, str]) -> Table:
    """The stylized-facts report: one row per fact, synthetic beside real if given."""
    table = Table(title="Stylized facts", title_justify="left")
    table.add_column("fact")
    table.add_column(labels[0], justify="right")
    if real is not None:
        table.add_column(labels[1], justify="right")
    table.add_column("in real markets")
    for label, show, expected in _ROWS:
        cells = [label, show(facts)]
        if real is not None:
            cells.append(show(real))
        table.add_row(*cells, expected)
    return table


@app.command()
def validate(
    instrument: Annotated[str, typer.Argument(help="Instrument id to report on.")],
    catalog: CatalogOption = _DEFAULT_CATALOG,
    real: Annotated[
        str | None, typer.Option(help="A real instrument to show side by side.")
    ] = None,
    interval: Annotated[str, typer.Option(help="Return interval.")] = "1m",
    window: Annotated[str, typer.Option(help="Window for trade-count dispersion.")] = "10s",
    start: Annotated[str | None, typer.Option(help="First time (ISO 8601).")] = None,
    end: Annotated[str | None, typer.Option(help="End time, exclusive.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the facts as JSON.")] = False,
) -> None:
    """Print the stylized facts of an instrument's ticks, beside a real instrument's."""
    if not (catalog / "manifest.json").exists():
        raise InputError("--catalog", str(catalog), "a folder holding a catalog")
    cat = Catalog(catalog)
    lo = parse_timestamp(start, field="--start") if start else None
    hi = parse_timestamp(end, field="--end") if end else None
    step = parse_duration(interval, field="--interval")
    span = parse_duration(window, field="--window")
    facts = _facts(cat, instrument, lo, hi, step, span)
    other = _facts(cat, real, lo, hi, step, span) if real else None
    if as_json:
        payload = {instrument: facts.to_dict()}
        if other is not None and real is not None:
            payload[real] = other.to_dict()
        console.print_json(json.dumps(payload))
        return
    console.print(facts_table(facts, other, (instrument, real or "")))
