"""Find a strategy class from what a user typed: ``file.py:Class`` or ``module:Class``."""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import sys
from pathlib import Path

from tickdeck.core import InputError
from tickdeck.core.errors import suggest
from tickdeck.strategy.base import Strategy

__all__ = ["load_strategy"]


def load_strategy(spec: str) -> type[Strategy]:
    """The `Strategy` subclass named by `spec`.

    ``file.py:Class`` loads a file (its folder is put on ``sys.path`` so it can
    import its neighbours); ``package.module:Class`` imports a module. Errors
    name what was not found and suggest the closest class.
    """
    target, colon, name = spec.rpartition(":")
    if not colon or not target or not name:
        raise InputError("strategy", spec, "FILE.py:ClassName or module:ClassName")
    if target.endswith(".py"):
        path = Path(target)
        if not path.is_file():
            raise InputError("strategy", target, "an existing Python file")
        module_name = f"_tickdeck_user_{path.stem}"
        loader = importlib.util.spec_from_file_location(module_name, path)
        if loader is None or loader.loader is None:
            raise InputError("strategy", target, "a Python file")
        module = importlib.util.module_from_spec(loader)
        sys.path.insert(0, str(path.resolve().parent))
        try:
            loader.loader.exec_module(module)
        finally:
            sys.path.pop(0)
    else:
        try:
            module = importlib.import_module(target)
        except ImportError as exc:
            raise InputError("strategy", target, "an importable module", hint=str(exc)) from None
    candidates = {
        n: c
        for n, c in vars(module).items()
        if inspect.isclass(c) and issubclass(c, Strategy) and c is not Strategy
    }
    found = getattr(module, name, None)
    if found is None:
        raise InputError(
            "strategy", name, f"a Strategy class in {target}",
            hint=suggest(name, candidates) or f"it defines {sorted(candidates) or 'none'}",
        )  # fmt: skip
    if not (inspect.isclass(found) and issubclass(found, Strategy)):
        raise InputError("strategy", name, "a subclass of tickdeck.strategy.Strategy")
    return found
