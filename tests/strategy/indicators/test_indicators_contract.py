"""What every indicator promises: parameters checked, non-finite input refused, reset, warm-up.

One table lists every indicator with its array face and its warm-up length,
so a new indicator joins every contract test by adding one row.
"""

from __future__ import annotations

import ast
import math
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from tests.strategy.indicators.indicator_series import assert_bitwise_equal, run_incremental

import tickdeck.strategy
import tickdeck.strategy.indicators
from tickdeck.core import InputError
from tickdeck.strategy import (
    ATR,
    EMA,
    MACD,
    RSI,
    SMA,
    VWAP,
    WMA,
    BollingerBands,
    RollingMax,
    RollingMin,
    RollingStd,
    ZScore,
    atr,
    bollinger_bands,
    ema,
    macd,
    rolling_max,
    rolling_min,
    rolling_std,
    rsi,
    sma,
    vwap,
    wma,
    zscore,
)

SOURCE = Path(tickdeck.strategy.indicators.__file__).parent
N = 5


@dataclass(frozen=True)
class Case:
    name: str
    make: Callable[[], Any]
    array: Callable[..., Any]
    inputs: int  # how many columns update and the array function take
    warm_up: int  # how many leading outputs are NaN
    fields: int = 0  # width of a NamedTuple output


CASES = [
    Case("SMA", lambda: SMA(N), lambda x: sma(x, N), 1, N - 1),
    Case("EMA", lambda: EMA(N), lambda x: ema(x, N), 1, N - 1),
    Case("WMA", lambda: WMA(N), lambda x: wma(x, N), 1, N - 1),
    Case("RSI", lambda: RSI(N), lambda x: rsi(x, N), 1, N),
    Case(
        "MACD",
        lambda: MACD(fast_window=2, slow_window=N, signal_window=3),
        lambda x: np.column_stack(macd(x, fast_window=2, slow_window=N, signal_window=3)),
        1,
        N + 3 - 2,
        3,
    ),
    Case("RollingStd", lambda: RollingStd(N), lambda x: rolling_std(x, N), 1, N - 1),
    Case("ZScore", lambda: ZScore(N), lambda x: zscore(x, N), 1, N - 1),
    Case(
        "BollingerBands",
        lambda: BollingerBands(N),
        lambda x: np.column_stack(bollinger_bands(x, N)),
        1,
        N - 1,
        3,
    ),
    Case("ATR", lambda: ATR(N), lambda h, lo, c: atr(h, lo, c, N), 3, N - 1),
    Case("VWAP", lambda: VWAP(), lambda p, v: vwap(p, v), 2, 0),
    Case("VWAP(window)", lambda: VWAP(N), lambda p, v: vwap(p, v, window=N), 2, N - 1),
    Case("RollingMax", lambda: RollingMax(N), lambda x: rolling_max(x, N), 1, N - 1),
    Case("RollingMin", lambda: RollingMin(N), lambda x: rolling_min(x, N), 1, N - 1),
]
IDS = [case.name for case in CASES]


def columns(case: Case, size: int = 40) -> list[np.ndarray]:
    """A wavy, never-flat series (and a bar around it, and volumes) for `case`."""
    close = 100.0 + np.sin(np.arange(size) * 0.7) * 5.0 + np.arange(size) * 0.1
    if case.inputs == 3:
        return [close + 1.0, close - 1.5, close]
    if case.inputs == 2:
        return [close, np.arange(1.0, size + 1.0)]
    return [close]


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_outputs_are_nan_exactly_during_warm_up_and_ready_says_so(case: Case) -> None:
    data = columns(case)
    out = np.asarray(case.array(*data)).reshape(len(data[0]), -1)
    defined = ~np.isnan(out).any(axis=1)
    assert defined.tolist() == [i >= case.warm_up for i in range(len(data[0]))]
    indicator = case.make()
    readiness = []
    for row in zip(*(c.tolist() for c in data), strict=True):
        indicator.update(*row)
        readiness.append(indicator.ready)
    assert readiness == defined.tolist()


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_a_refused_update_changes_nothing(case: Case) -> None:
    data = columns(case)
    clean = run_incremental(case.make(), *data, fields=case.fields)
    indicator = case.make()
    out = []
    for i, row in enumerate(zip(*(c.tolist() for c in data), strict=True)):
        if i in (0, 3, case.warm_up + 2):
            for position in range(case.inputs):
                for bad in (math.nan, math.inf, -math.inf):
                    broken = list(row)
                    broken[position] = bad
                    with pytest.raises(InputError, match="a finite number"):
                        indicator.update(*broken)
        out.append(indicator.update(*row))
    assert_bitwise_equal(np.array(out, dtype=np.float64).reshape(clean.shape), clean)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_arrays_with_nan_or_inf_are_refused_naming_the_element(case: Case) -> None:
    for bad in (math.nan, math.inf):
        data = columns(case)
        data[-1] = data[-1].copy()
        data[-1][7] = bad
        with pytest.raises(InputError, match=r"\[7\]: got (nan|inf)"):
            case.array(*data)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_reset_forgets_everything(case: Case) -> None:
    data = columns(case)
    indicator = case.make()
    first = run_incremental(indicator, *data, fields=case.fields)
    indicator.reset()
    assert not indicator.ready or case.warm_up == 0
    assert np.isnan(np.asarray(indicator.value, float)).all()
    assert_bitwise_equal(run_incremental(indicator, *data, fields=case.fields), first)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_empty_arrays_give_empty_results(case: Case) -> None:
    out = np.asarray(case.array(*([np.zeros(0)] * case.inputs)))
    assert out.shape[0] == 0


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_repr_shows_the_parameters(case: Case) -> None:
    assert repr(case.make()).startswith(case.name.split("(")[0] + "(")


# --- parameters ---------------------------------------------------------------------

WINDOWED: list[Callable[[Any], object]] = [
    SMA,
    EMA,
    WMA,
    RSI,
    RollingStd,
    ZScore,
    BollingerBands,
    ATR,
    VWAP,
    RollingMax,
    RollingMin,
    lambda w: sma([1.0], w),
    lambda w: ema([1.0], w),
    lambda w: wma([1.0], w),
    lambda w: rsi([1.0], w),
    lambda w: rolling_std([1.0], w),
    lambda w: zscore([1.0], w),
    lambda w: bollinger_bands([1.0], w),
    lambda w: atr([1.0], [1.0], [1.0], w),
    lambda w: vwap([1.0], [1.0], window=w),
    lambda w: rolling_max([1.0], w),
    lambda w: rolling_min([1.0], w),
]


@pytest.mark.parametrize("window", [0, -3, 2.0, 2.5, True, "20", math.nan])
@pytest.mark.parametrize("build", WINDOWED)
def test_a_window_must_be_a_whole_number_of_at_least_one(
    build: Callable[[Any], object], window: object
) -> None:
    with pytest.raises(InputError) as caught:
        build(window)
    assert caught.value.field == "window"
    assert "at least 1" in caught.value.expected


def test_numpy_integers_are_windows_too() -> None:
    assert SMA(np.int64(3)).window == 3
    assert sma([1.0, 2.0, 3.0], np.int32(3))[-1] == 2.0


@pytest.mark.parametrize("name", ["fast_window", "slow_window", "signal_window"])
def test_macd_names_the_bad_window(name: str) -> None:
    with pytest.raises(InputError) as caught:
        MACD(**{name: 0})
    assert caught.value.field == name


@pytest.mark.parametrize("k", [0, -1.0, math.nan, math.inf, True, "2"])
def test_bollinger_k_must_be_a_positive_finite_number(k: object) -> None:
    for build in (lambda: BollingerBands(20, k=k), lambda: bollinger_bands([1.0], 20, k=k)):
        with pytest.raises(InputError) as caught:
            build()
        assert caught.value.field == "k"


@pytest.mark.parametrize("ddof", [-1, 0.5, None])
def test_ddof_must_be_a_whole_number_of_at_least_zero(ddof: object) -> None:
    for build in (RollingStd, ZScore):
        with pytest.raises(InputError) as caught:
            build(3, ddof=ddof)
        assert caught.value.field == "ddof"
    with pytest.raises(InputError, match="ddof"):
        rolling_std([1.0], 3, ddof=ddof)


@pytest.mark.parametrize("values", [np.ones((2, 3)), "abc", [[1.0], [2.0, 3.0]], None])
def test_array_inputs_must_be_one_dimensional_arrays_of_numbers(values: object) -> None:
    with pytest.raises(InputError) as caught:
        sma(values, 2)
    assert caught.value.field == "values"


def test_array_functions_leave_the_callers_array_alone() -> None:
    values = np.arange(10.0)
    out = sma(values, 3)
    assert values.flags.writeable
    assert out.flags.writeable
    out[:] = 0.0
    assert values.tolist() == list(range(10))


def test_bar_inputs_must_have_equal_lengths() -> None:
    with pytest.raises(InputError) as caught:
        atr([2.0, 2.0], [1.0, 1.0], [1.5], 1)
    assert caught.value.field == "closes"


# --- the package ---------------------------------------------------------------------


def test_the_strategy_layer_reexports_the_whole_indicator_api() -> None:
    exported = tickdeck.strategy.indicators.__all__
    assert len(exported) == len(set(exported))
    assert set(exported) <= set(tickdeck.strategy.__all__)
    for name in exported:
        assert not name.startswith("_")
        assert getattr(tickdeck.strategy, name) is getattr(tickdeck.strategy.indicators, name)


def test_the_indicators_import_only_core_numpy_numba_and_the_standard_library() -> None:
    allowed = {"numpy", "numba", *sys.stdlib_module_names}
    for path in SOURCE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                if name.startswith("tickdeck"):
                    assert name.startswith(("tickdeck.core", "tickdeck.strategy.indicators")), name
                else:
                    assert name.split(".")[0] in allowed, f"{path.name} imports {name}"
