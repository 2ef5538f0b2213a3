"""Marketing demo steps (filled in below)."""


def register_demo() -> None:
    return None
