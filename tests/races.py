"""Run a few callables at the same moment, each on its own database connection (PostgreSQL).

`race(*actions)` starts one thread per action, lines them up on a barrier so they call in
together, closes each thread's connection afterwards and returns what each returned or raised,
in the order given. Exceptions are results here, not failures: the caller asserts which ones
are expected (a refusal) and which are not.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from typing import Any

from django.db import connection


def race(*actions: Callable[[], Any]) -> list[Any]:
    """Call every action at once, each in its own thread; their results or exceptions, in order."""
    barrier = threading.Barrier(len(actions))
    results: list[Any] = [None] * len(actions)

    def run(index: int, action: Callable[[], Any]) -> None:
        try:
            barrier.wait()
            results[index] = action()
        except BaseException as exc:  # recorded for the caller to judge
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, a)) for i, a in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def kinds(results: list[Any]) -> list[str]:
    """Each result's class name, sorted: ["ApplicationError", "DealRegistration"] and so on."""
    return sorted(type(result).__name__ for result in results)


class Racers:
    """`n` threads that race round after round, each keeping its own connection between rounds
    (opening a connection per round would cost more than the round). Use as a context manager;
    `run(*actions)` is one round: `n` actions called at once, their results or exceptions."""

    def __init__(self, n: int) -> None:
        self._barrier = threading.Barrier(n)
        self._inboxes: list[queue.Queue] = [queue.Queue() for _ in range(n)]
        self._outboxes: list[queue.Queue] = [queue.Queue() for _ in range(n)]
        self._threads = [
            threading.Thread(target=self._serve, args=(inbox, outbox), daemon=True)
            for inbox, outbox in zip(self._inboxes, self._outboxes, strict=True)
        ]

    def _serve(self, inbox: queue.Queue, outbox: queue.Queue) -> None:
        try:
            while (action := inbox.get()) is not None:
                try:
                    self._barrier.wait()
                    outbox.put(action())
                except BaseException as exc:  # recorded for the caller to judge
                    outbox.put(exc)
        finally:
            connection.close()

    def __enter__(self) -> Racers:
        for thread in self._threads:
            thread.start()
        return self

    def run(self, *actions: Callable[[], Any]) -> list[Any]:
        if len(actions) != len(self._threads):
            raise ValueError(f"{len(self._threads)} racers need {len(self._threads)} actions.")
        for inbox, action in zip(self._inboxes, actions, strict=True):
            inbox.put(action)
        return [outbox.get() for outbox in self._outboxes]

    def __exit__(self, *exc_info: object) -> None:
        for inbox in self._inboxes:
            inbox.put(None)
        for thread in self._threads:
            thread.join()


def in_lanes(lanes: int, iterations: int, work: Callable[[int, Racers], None], *, racers: int = 2) -> None:
    """Run `work(i, racers)` for i in range(iterations), spread over `lanes` threads that work
    side by side (different rows, so the battery takes less time); each lane has its own
    connection and its own `Racers`. The first failure of any lane is raised at the end."""
    failures: list[BaseException] = []

    def lane(index: int) -> None:
        try:
            with Racers(racers) as own:
                for i in range(index, iterations, lanes):
                    if failures:
                        return
                    work(i, own)
        except BaseException as exc:  # re-raised below, in the test's thread
            failures.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=lane, args=(index,)) for index in range(lanes)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise failures[0]
