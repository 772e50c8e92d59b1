"""Synthetic market data that follows the same path through the system as real data."""

__all__: list[str] = []
