"""Keeping numba's on-disk cache of this package's kernels consistent with their sources.

Numba keys a cached kernel by its own source file only. The event loop's
kernels call kernels of the package's other modules and read `_layout`'s
numbers, which numba compiles into them: after an edit to `_exchange_kernels`
or `_layout`, the cached `run_loop` would still run the old code. So the
package keeps a digest of all its sources next to the cache, and drops the
cached kernels when the digest changes (before any kernel is loaded, at
import). Where the cache cannot be written (a read-only install), numba
compiles in memory and there is nothing to keep consistent.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

__all__ = ["refresh_cache"]

_MARKER = "tickdeck-kernels.sha256"


def refresh_cache(folder: Path) -> None:
    """Drop numba's cached kernels in `folder`/__pycache__ if any source in `folder` changed."""
    digest = hashlib.sha256()
    for source in sorted(folder.glob("*.py")):
        digest.update(source.name.encode())
        digest.update(source.read_bytes())
    stamp = digest.hexdigest()
    cache = folder / "__pycache__"
    marker = cache / _MARKER
    try:
        if marker.read_text() == stamp:
            return
    except OSError:
        pass
    try:
        for cached in (*cache.glob("*.nbi"), *cache.glob("*.nbc")):
            cached.unlink(missing_ok=True)
        cache.mkdir(exist_ok=True)
        partial = cache / f"{_MARKER}.{os.getpid()}"
        partial.write_text(stamp)
        partial.replace(marker)
    except OSError:
        return
