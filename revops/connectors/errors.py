"""The one error every connector raises: what failed, on which record, with the remote message."""

from __future__ import annotations


class ConnectorError(Exception):
    """A call to an outside system failed.

    `record_id` names the remote record when the failure is one record's (a validation error
    on a write), else it is empty; `message` is the remote system's own message (never a
    secret: connectors build it from the response, not from their credentials); `retryable`
    says whether the same call might succeed later (rate limit, server error, timeout).
    """

    def __init__(self, message: str, *, record_id: str = "", code: str = "", retryable: bool = False) -> None:
        self.message = message
        self.record_id = record_id
        self.code = code
        self.retryable = retryable
        where = f"record {record_id}: " if record_id else ""
        super().__init__(f"{where}{message}")
