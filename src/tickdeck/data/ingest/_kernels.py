"""Compiled ingest kernels: byte scans that need more state than numpy can carry.

`record_lines` walks delimited text the way Arrow's CSV parser splits it into
records, so that every row read can point back to the line an editor shows:

- a quote opens a quoted field only at the start of a field (``5" screen`` is
  plain text); inside a quoted field a doubled quote is a literal quote, and a
  quote followed by anything else closes the quoting;
- LF, CRLF and a lone CR each end a physical line; outside quotes they also
  end the record, inside quotes they are part of the value;
- records without a single character (empty lines) are skipped, as Arrow
  skips them.

The kernel is tested against Python's `csv` module, which splits the same way.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from numba import njit

__all__ = ["record_lines"]

_U8 = npt.NDArray[np.uint8]
_I64 = npt.NDArray[np.int64]

_LF = 10
_CR = 13
# Parser states.
_FIELD_START = 0
_UNQUOTED = 1
_QUOTED = 2
_QUOTE_IN_QUOTED = 3  # a quote seen inside quotes: closing, or the first of a doubled pair


@njit(cache=True)
def record_lines(data: _U8, delimiter: int, quote: int, out: _I64) -> int:
    """Write the 0-based physical line on which each non-empty record starts; return how many.

    ``out`` needs one entry per physical line (line breaks + 1) at most.
    """
    n = data.shape[0]
    line = 0
    start_line = 0
    has_content = False
    state = _FIELD_START
    count = 0
    i = 0
    while i < n:
        c = data[i]
        i += 1
        if c == _CR:
            if i < n and data[i] == _LF:
                i += 1  # CRLF is one line break
            c = _LF
        if state == _QUOTED:
            if c == quote:
                state = _QUOTE_IN_QUOTED
            elif c == _LF:
                line += 1
            continue
        if state == _QUOTE_IN_QUOTED:
            if c == quote:  # a doubled quote: a literal one, still inside quotes
                state = _QUOTED
                continue
            state = _UNQUOTED
        if c == _LF:
            if has_content:
                out[count] = start_line
                count += 1
            line += 1
            start_line = line
            has_content = False
            state = _FIELD_START
            continue
        has_content = True
        if c == delimiter:
            state = _FIELD_START
        elif c == quote and state == _FIELD_START:
            state = _QUOTED
        else:
            state = _UNQUOTED
    if has_content:
        out[count] = start_line
        count += 1
    return count
