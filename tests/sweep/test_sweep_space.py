"""The space: values checked against the declared Params, ranges, and how searches draw points."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tickdeck.core import InputError
from tickdeck.strategy import Param, Strategy
from tickdeck.strategy.params import parameters
from tickdeck.sweep import OptunaSearch, RandomSearch, Range
from tickdeck.sweep._search import proposer
from tickdeck.sweep._space import grid_points, random_points, resolve_space


class Knobs(Strategy):
    """Parameters of every kind, for the space to resolve."""

    window = Param(20, minimum=2, maximum=40)
    threshold = Param(0.5, minimum=0.0, maximum=1.0)
    mode = Param("fast", choices=("fast", "slow", "off"))
    short = Param(True)
    label = Param("x")
    size = Param(100, minimum=1)


def space(**domains: object) -> list:  # type: ignore[type-arg]
    return resolve_space(domains, parameters(Knobs), "Knobs")  # type: ignore[arg-type]


def test_a_grid_is_the_product_first_parameter_slowest() -> None:
    points = grid_points(space(window=Range(10, 30, step=10), mode=None, short=["false"]))
    expected = [
        {"window": w, "mode": m, "short": False}
        for w, m in itertools.product([10, 20, 30], ["fast", "slow", "off"])
    ]
    assert points == expected


def test_values_are_converted_by_their_param() -> None:
    points = grid_points(space(window=["5", 7.0], threshold=["0.25"], short=["yes"]))
    assert points[0] == {"window": 5, "threshold": 0.25, "short": True}
    assert [type(p["window"]) for p in points] == [int, int]


def test_a_repeated_value_is_swept_once() -> None:
    assert grid_points(space(window=[5, "5", 6])) == [{"window": 5}, {"window": 6}]


def test_none_takes_the_declared_range_choices_or_both_booleans() -> None:
    assert [p["window"] for p in grid_points(space(window=None))] == list(range(2, 41))
    assert [p["short"] for p in grid_points(space(short=None))] == [False, True]
    with pytest.raises(InputError, match="declares no choices"):
        space(label=None)
    with pytest.raises(InputError, match="declares no minimum and maximum"):
        space(size=None)


def test_float_steps_land_on_the_numbers_as_written() -> None:
    values = [p["threshold"] for p in grid_points(space(threshold=Range(0.1, 0.3, step=0.1)))]
    assert values == [0.1, 0.2, 0.3]


@pytest.mark.parametrize(
    ("domains", "message"),
    [
        ({"windw": [5]}, "did you mean 'window'"),
        ({"window": [1]}, "at least 2"),
        ({"window": Range(2, 50)}, "at most 40"),
        ({"window": Range(2.5, 10)}, "whole-number bounds"),
        ({"window": Range(2, 10, step=1.5)}, "a positive whole step"),
        ({"threshold": Range(0.5, 0.2)}, "low <= high"),
        ({"threshold": Range(0.0, 1.0, log=True)}, "a positive low"),
        ({"mode": Range(1, 2)}, "a list of values"),
        ({"mode": ["medium"]}, "one of ['fast', 'slow', 'off']"),
        ({"window": []}, "at least one value"),
        ({"window": 5}, "a list of values, a Range or None"),
    ],
)
def test_bad_domains_name_the_parameter(domains: dict[str, object], message: str) -> None:
    with pytest.raises(InputError, match=message.replace("[", r"\[").replace("(", r"\(")):
        space(**domains)


def test_a_grid_over_a_continuous_range_asks_for_a_step() -> None:
    with pytest.raises(InputError, match="with a step, for a grid"):
        grid_points(space(threshold=Range(0.0, 1.0)))


@given(seed=st.integers(0, 2**32), n=st.integers(1, 30))
def test_random_points_depend_only_on_the_seed_and_stay_in_the_space(seed: int, n: int) -> None:
    dims = space(
        window=Range(2, 40, step=2), threshold=Range(0.01, 1.0, log=True), mode=None, short=None
    )
    points = random_points(dims, n, seed)
    assert points == random_points(dims, n, seed)
    assert 1 <= len(points) <= n
    assert len({tuple(p.values()) for p in points}) == len(points)
    for point in points:
        assert point["window"] in range(2, 41, 2)
        assert 0.01 <= point["threshold"] <= 1.0  # type: ignore[operator]
        assert point["mode"] in ("fast", "slow", "off")
        assert point["short"] in (True, False)


def test_optuna_asks_in_batches_and_repeats_itself_with_its_seed() -> None:
    dims = space(window=Range(2, 40), threshold=Range(0.0, 1.0), mode=None)

    def run(seed: int) -> list[dict[str, object]]:
        search = proposer(OptunaSearch(7, seed=seed, batch_size=3), dims, maximize=True)
        asked: list[dict[str, object]] = []
        sizes = []
        while batch := search.ask():
            sizes.append(len(batch))
            asked += batch
            search.tell([float(p["window"]) * float(p["threshold"]) for p in batch])  # type: ignore[arg-type]
        assert sizes == [3, 3, 1]
        return asked

    first = run(4)
    assert first == run(4)
    assert first != run(5)
    for point in first:
        assert isinstance(point["window"], int)
        assert 2 <= point["window"] <= 40
        assert 0.0 <= point["threshold"] <= 1.0  # type: ignore[operator]
        assert point["mode"] in ("fast", "slow", "off")


def test_optuna_steps_and_logs_stay_on_the_grid() -> None:
    dims = space(window=Range(2, 39, step=4), threshold=Range(0.05, 0.95, step=0.3))
    search = proposer(OptunaSearch(12, seed=1), dims, maximize=False)
    points = search.ask()
    search.tell([None] * len(points))  # failures are told too
    points += search.ask()
    assert {p["window"] for p in points} <= set(range(2, 39, 4))
    assert {p["threshold"] for p in points} <= {0.05, 0.35, 0.65, 0.95}


def test_searches_validate_their_sizes() -> None:
    with pytest.raises(InputError, match="a positive number of draws"):
        RandomSearch(0)
    with pytest.raises(InputError, match="a positive batch size"):
        OptunaSearch(5, batch_size=0)
    with pytest.raises(InputError, match="seed"):
        RandomSearch(5, seed=-1)
