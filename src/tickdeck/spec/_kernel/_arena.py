"""The two arenas of a compiled run: allocating them, growing them, reading records out.

`_layout` names the header slots and the record columns; this module places
the record regions after the headers, grows a region (the whole arena is
reallocated, the rows in use copied) when the loop asks for room, and hands
the used rows of a region back as a 2-D view.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from tickdeck.spec._kernel import _layout as layout
from tickdeck.spec._kernel._loop_kernels import room_needed

__all__ = ["Arenas", "allocate", "grow", "rows"]

_I64 = npt.NDArray[np.int64]
_F64 = npt.NDArray[np.float64]
Arenas = tuple[_I64, _F64]


@dataclass(frozen=True)
class _Part:
    """One part of a record kind: its arena, width, and the header slot of its offset."""

    floats: bool
    width: int
    at: int


@dataclass(frozen=True)
class _Kind:
    """A record kind: its parts, the header slot of its capacity, of its rows in use."""

    parts: tuple[_Part, ...]
    capacity: int
    used: int  # the slot counting rows in use (or the queue's tail); -1: nothing to copy
    initial: int


@functools.cache
def _kinds(levels: int) -> dict[str, _Kind]:
    return {
        "orders": _Kind(
            (
                _Part(False, layout.O_COLUMNS, layout.SI_ORDERS_AT),
                _Part(True, layout.OF_COLUMNS, layout.SI_ORDERS_F_AT),
            ),
            layout.SI_ORDERS_CAP,
            layout.SI_ORDERS,
            256,
        ),
        "fills": _Kind(
            (
                _Part(False, layout.F_COLUMNS, layout.SI_FILLS_AT),
                _Part(True, layout.FF_COLUMNS, layout.SI_FILLS_F_AT),
            ),
            layout.SI_FILLS_CAP,
            layout.SI_FILLS,
            256,
        ),
        "samples": _Kind(
            (
                _Part(False, 1, layout.SI_SAMPLES_AT),
                _Part(True, layout.S_COLUMNS, layout.SI_SAMPLES_F_AT),
            ),
            layout.SI_SAMPLES_CAP,
            layout.SI_SAMPLES,
            1024,
        ),
        "arrivals": _Kind(
            (_Part(False, layout.A_COLUMNS, layout.SI_ARRIVALS_AT),),
            layout.SI_ARRIVALS_CAP,
            layout.SI_A_TAIL,
            64,
        ),
        "reports": _Kind(
            (
                _Part(False, layout.R_COLUMNS, layout.SI_REPORTS_AT),
                _Part(True, 1, layout.SI_REPORTS_F_AT),
            ),
            layout.SI_REPORTS_CAP,
            layout.SI_R_TAIL,
            256,
        ),
        "working": _Kind(
            (_Part(False, 1, layout.SI_WORKING_AT), _Part(False, 1, layout.SI_SCRATCH_AT)),
            layout.SI_WORKING_CAP,
            layout.SI_WORKING,
            64,
        ),
        "pending": _Kind(
            (
                _Part(False, layout.PE_COLUMNS, layout.SI_PENDING_AT),
                _Part(True, layout.PEF_COLUMNS, layout.SI_PENDING_F_AT),
            ),
            layout.SI_PENDING_CAP,
            layout.SI_PENDING,
            64,
        ),
        "lots": _Kind(
            (
                _Part(False, layout.L_COLUMNS, layout.SI_LOTS_AT),
                _Part(True, layout.LF_COLUMNS, layout.SI_LOTS_F_AT),
            ),
            layout.SI_LOTS_CAP,
            layout.SI_L_TAIL,
            256,
        ),
        "closed": _Kind(
            (
                _Part(False, layout.C_COLUMNS, layout.SI_CLOSED_AT),
                _Part(True, layout.CF_COLUMNS, layout.SI_CLOSED_F_AT),
            ),
            layout.SI_CLOSED_CAP,
            layout.SI_CLOSED,
            256,
        ),
        "take": _Kind((_Part(True, 3, layout.SI_TAKE_F_AT),), -1, -1, max(levels, 1)),
    }


def _build(header_i: _I64, header_f: _F64, capacities: dict[str, int], levels: int) -> Arenas:
    """Fresh arenas with these headers and capacities; the regions' offsets are set."""
    size_i, size_f = layout.HEADER_I, layout.HEADER_F
    places: list[tuple[_Part, int]] = []
    for name, kind in _kinds(levels).items():
        for part in kind.parts:
            if part.floats:
                places.append((part, size_f))
                size_f += part.width * capacities[name]
            else:
                places.append((part, size_i))
                size_i += part.width * capacities[name]
    mi = np.zeros(size_i, np.int64)
    mf = np.zeros(size_f, np.float64)
    mi[: layout.HEADER_I] = header_i
    mf[: layout.HEADER_F] = header_f
    for part, at in places:
        mi[part.at] = at
    for name, kind in _kinds(levels).items():
        if kind.capacity >= 0:
            mi[kind.capacity] = capacities[name]
    return mi, mf


def allocate(
    header_i: _I64, header_f: _F64, levels: int, expected: Mapping[str, int] | None = None
) -> Arenas:
    """Arenas for a run; `header_i`/`header_f` hold its state and parameters.

    `expected` gives the rows a region will likely need (orders, fills,
    samples...); a good guess saves the loop its pauses for more room.
    """
    guess = expected or {}
    capacities = {n: max(k.initial, guess.get(n, 0)) for n, k in _kinds(levels).items()}
    return _build(header_i, header_f, capacities, levels)


def grow(arenas: Arenas, levels: int) -> Arenas:
    """Bigger arenas where a region cannot take what one event may add; used rows copied."""
    mi, mf = arenas
    need = int(room_needed(mi))
    in_flight = int(mi[layout.SI_A_TAIL] - mi[layout.SI_A_HEAD])
    wanted = {
        "orders": 2,
        "fills": need,
        "samples": need + 2,
        "arrivals": int(mi[layout.SI_PENDING]) + 2,
        "reports": need,
        "working": in_flight + 2,
        "pending": 2,
        "lots": need,
        "closed": need + int(mi[layout.SI_L_TAIL] - mi[layout.SI_L_HEAD]),
    }
    capacities: dict[str, int] = {}
    for name, kind in _kinds(levels).items():
        if kind.capacity < 0:
            capacities[name] = kind.initial
            continue
        current = int(mi[kind.capacity])
        used = int(mi[kind.used])
        short = current - used < wanted[name]
        capacities[name] = max(2 * current, used + wanted[name]) if short else current
    new_mi, new_mf = _build(mi[: layout.HEADER_I], mf[: layout.HEADER_F], capacities, levels)
    for kind in _kinds(levels).values():
        used = int(mi[kind.used]) if kind.used >= 0 else 0
        for part in kind.parts:
            old, new = (mf, new_mf) if part.floats else (mi, new_mi)
            count = used * part.width
            new[new_mi[part.at] : new_mi[part.at] + count] = old[mi[part.at] : mi[part.at] + count]
    return new_mi, new_mf


def rows(arenas: Arenas, part_at: int, width: int, count: int, *, floats: bool) -> npt.NDArray[Any]:
    """The first `count` rows of a region part as a (count, width) view."""
    mi, mf = arenas
    arena = mf if floats else mi
    start = int(mi[part_at])
    return arena[start : start + count * width].reshape(count, width)
