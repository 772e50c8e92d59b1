from tickdeck.cli._app import main

__all__ = ["main"]
