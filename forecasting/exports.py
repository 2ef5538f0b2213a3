"""Forecasting's exports (see revops.export_registry): filled in with the pages."""


def register_exports() -> None:
    return None
