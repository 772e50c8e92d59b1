"""Run every benchmark and print one table: ``python benchmarks/run.py [--quick] [NAME ...]``.

Each ``bench_*.py`` module beside this file exposes ``run(*, quick: bool) -> list[Result]``.
Figures are medians of repeated runs with their min-max spread; targets are
reported as ratios, never asserted.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from benchmarks._harness import Result  # noqa: E402


def _row(result: Result) -> list[str]:
    spread = f"{result.spread[0]:.3g}-{result.spread[1]:.3g}" if result.spread else ""
    if result.target is None:
        target, ratio, verdict = "", "", ""
    else:
        ratio_value = (
            result.value / result.target
            if result.higher_is_better
            else result.target / result.value
        )
        target = f"{'>=' if result.higher_is_better else '<='} {result.target:g}"
        ratio = f"{ratio_value:.2f}x"
        verdict = "[green]meets[/]" if result.meets_target else "[red]misses[/]"
    return [
        result.name,
        f"{result.value:.3g} {result.unit}",
        spread,
        target,
        ratio,
        verdict,
        result.note,
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smaller inputs, for a smoke run")
    parser.add_argument("names", nargs="*", help="benchmark modules to run (default: all)")
    args = parser.parse_args()
    modules = sorted(p.stem for p in HERE.glob("bench_*.py"))
    chosen = [m for m in modules if not args.names or any(n in m for n in args.names)]
    console = Console(width=None if sys.stdout.isatty() else 160)
    table = Table(title="tickdeck benchmarks" + (" (quick)" if args.quick else ""))
    for column in ("benchmark", "median", "spread", "target", "ratio", "", "note"):
        table.add_column(column)
    for name in chosen:
        started = time.perf_counter()
        console.print(f"running {name} ...")
        module = importlib.import_module(f"benchmarks.{name}")
        for result in module.run(quick=args.quick):
            table.add_row(*_row(result))
        console.print(f"  done in {time.perf_counter() - started:.1f}s")
    console.print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
