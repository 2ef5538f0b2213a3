"""Marketing exports (filled in below)."""


def register_exports() -> None:
    return None
