"""Read attribution input files without the database: the ChannelAttribution path format or
touches in long format, into engine journeys (used by `manage.py mta_paths`)."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

from attribution.marketing.engine import InvalidJourneys, Journeys, journeys_from_paths, journeys_from_touches

PATH_COLUMNS = ("path", "total_conversions")
LONG_COLUMNS = ("journey", "timestamp", "channel")


def _number(value: str, row: int, column: str) -> float:
    try:
        return float(value) if value.strip() else 0.0
    except ValueError:
        raise InvalidJourneys(f"row {row}: {column} {value!r} is not a number") from None


def _timestamp(value: str, row: int) -> float:
    try:
        return float(value)
    except ValueError:
        pass
    try:
        moment = dt.datetime.fromisoformat(value.strip())
    except ValueError:
        raise InvalidJourneys(f"row {row}: timestamp {value!r} is neither a number of days nor ISO") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.timestamp() / 86400.0


def read_journeys(path: Path, *, delimiter: str | None = None, path_sep: str = ">") -> Journeys:
    """Journeys from ``path``: columns ``path;total_conversions;total_conversion_value;total_null``
    or long format ``journey,timestamp,channel,converted,revenue`` (one touch per row; a journey
    converts when any of its rows says so, and its revenue is the largest given)."""
    with path.open(newline="", encoding="utf-8-sig") as handle:
        sample = handle.read(4096)
        handle.seek(0)
        sep = delimiter or (";" if sample.count(";") > sample.count(",") else ",")
        reader = csv.DictReader(handle, delimiter=sep)
        header = [h.strip() for h in (reader.fieldnames or [])]
        rows = [{k.strip(): (v or "") for k, v in r.items() if k} for r in reader]
    if all(c in header for c in PATH_COLUMNS):
        return journeys_from_paths(
            [r["path"] for r in rows],
            [_number(r["total_conversions"], i, "total_conversions") for i, r in enumerate(rows, 2)],
            [
                _number(r.get("total_conversion_value", ""), i, "total_conversion_value")
                for i, r in enumerate(rows, 2)
            ],
            [_number(r.get("total_null", ""), i, "total_null") for i, r in enumerate(rows, 2)],
            sep=path_sep,
        )
    if all(c in header for c in LONG_COLUMNS):
        keys: dict[str, int] = {}
        names: dict[str, int] = {}
        jidx, chans, stamps = [], [], []
        conv: list[float] = []
        value: list[float] = []
        for i, r in enumerate(rows, 2):
            j = keys.setdefault(r["journey"], len(keys))
            if j == len(conv):
                conv.append(0.0)
                value.append(0.0)
            jidx.append(j)
            chans.append(names.setdefault(r["channel"].strip(), len(names)))
            stamps.append(_timestamp(r["timestamp"], i))
            if _number(r.get("converted", ""), i, "converted") > 0:
                conv[j] = 1.0
            value[j] = max(value[j], _number(r.get("revenue", ""), i, "revenue"))
        return journeys_from_touches(
            journey_index=jidx,
            channels=chans,
            timestamps=stamps,
            channel_names=list(names),
            conversions=conv,
            value=value,
        )
    raise InvalidJourneys(
        f"columns {', '.join(header)}: expected path, total_conversions[, total_conversion_value, total_null] "
        "or journey, timestamp, channel[, converted, revenue]"
    )
