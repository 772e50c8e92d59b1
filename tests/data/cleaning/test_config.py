"""`CleaningConfig` defaults and validation, and the package's public surface."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from typing import Any

import numpy as np
import pytest

import tickdeck.data.cleaning as cleaning
from tickdeck.core import InputError
from tickdeck.data.cleaning import CleaningConfig


def test_public_api_is_exactly_this() -> None:
    assert set(cleaning.__all__) == {
        "RULES",
        "CleaningConfig",
        "CleaningReport",
        "CleaningResult",
        "clean",
    }
    for name in cleaning.__all__:
        assert getattr(cleaning, name) is not None


@pytest.mark.parametrize("first", ["tickdeck.data.cleaning", "tickdeck.data.ingest"])
def test_imports_in_either_order(first: str) -> None:
    # The ingest pipeline uses cleaning and cleaning uses ingest's SourceTable:
    # a fresh interpreter must be able to start from either side.
    code = f"import {first}, tickdeck.data.cleaning, tickdeck.data.ingest"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_defaults_are_documented_values() -> None:
    config = CleaningConfig()
    assert config.to_dict() == {
        "keep_locked": False,
        "allow_zero_size": False,
        "spike_window": 101,
        "spike_threshold": 8.0,
        "spike_floor_ticks": 10.0,
        "spike_floor_bps": 5.0,
        "gap_threshold_ns": 300_000_000_000,
        "max_off_grid_fraction": 0.01,
        "keep_quarantine": True,
        "drop_duplicate_trades_without_id": False,
    }


def test_round_trips_through_json() -> None:
    config = CleaningConfig(keep_locked=True, spike_window=21, gap_threshold_ns=10**9)
    assert CleaningConfig.from_dict(json.loads(json.dumps(config.to_dict()))) == config


def test_unknown_options_are_rejected_with_a_suggestion() -> None:
    with pytest.raises(InputError, match="did you mean 'spike_window'"):
        CleaningConfig.from_dict({"spike_windw": 11})


def test_numbers_are_normalised() -> None:
    config = CleaningConfig(spike_window=np.int64(11), spike_threshold=5)  # type: ignore[arg-type]
    assert type(config.spike_window) is int
    assert type(config.spike_threshold) is float


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("keep_locked", 1),
        ("allow_zero_size", "yes"),
        ("keep_quarantine", None),
        ("drop_duplicate_trades_without_id", 0),
        ("spike_window", 100),
        ("spike_window", 1),
        ("spike_window", 11.0),
        ("spike_window", True),
        ("spike_threshold", 0),
        ("spike_threshold", -1.0),
        ("spike_threshold", math.nan),
        ("spike_floor_ticks", -1),
        ("spike_floor_bps", math.inf),
        ("gap_threshold_ns", 0),
        ("gap_threshold_ns", "5m"),
        ("max_off_grid_fraction", 1.5),
        ("max_off_grid_fraction", -0.1),
    ],
)
def test_invalid_values_name_their_field(field: str, value: Any) -> None:
    with pytest.raises(InputError) as caught:
        CleaningConfig(**{field: value})
    assert caught.value.field == field


def test_an_infinite_threshold_turns_spikes_off() -> None:
    assert CleaningConfig(spike_threshold=math.inf).spike_threshold == math.inf
