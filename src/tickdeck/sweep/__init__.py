"""Parameter sweeps and optimisation over strategies."""

__all__: list[str] = []
