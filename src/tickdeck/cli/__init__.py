"""The `tickdeck` command line."""

from tickdeck.cli._app import app, main, run

__all__ = ["app", "main", "run"]
