"""Strategies as data: the JSON strategy spec and what compiles it."""

__all__: list[str] = []
