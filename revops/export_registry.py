"""The export registry: each page declares its exports once; buttons, files and checks follow.

    export_register(ExportSpec(
        key="opportunities", page="revops:opportunity-list", label="Opportunities",
        cap=Cap.OPPORTUNITY_VIEW, formats=("csv", "xlsx", "pdf"), build=opportunity_export,
    ))

`build(membership=..., params=...)` returns an `ExportData` (file name, title, tables, summary
lines) from the app's selectors, scoped to the member and filtered by the page's query string.
The page view answers `?export=<fmt>` with `export_dispatch(request, key)`; its template shows
`{% export_buttons key %}`; the access matrix requests every declared export as every actor.
A record page (a deal) names its URL arguments in `url_kwargs`: the view passes them on
(`export_dispatch(request, key, pk=pk)`), and `build` receives them as keywords.

Small CSV/Excel files are sent at once. A PDF, or any file of more than `inline_rows` rows, is
written by a JobRun (revops.services.exports) while the page shows a progress bar, so no
request runs for minutes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from revops.exports import ExportTable
from revops.permissions import Cap

ALL_FORMATS = ("csv", "xlsx", "pdf")
FORMAT_LABELS = {"csv": "CSV", "xlsx": "Excel", "pdf": "PDF"}
# Rows a request may write itself (a few seconds of CSV/Excel at most); beyond that a job does.
INLINE_ROWS = 10_000


@dataclass
class ExportData:
    filename: str  # without extension, e.g. "opportunities-2026-11-29"
    title: str  # the report heading, e.g. "Opportunities"
    tables: list[ExportTable]
    summary: list[tuple[str, str]] = field(default_factory=list)  # filters in words, totals

    @property
    def row_count(self) -> int | None:
        counts = [t.count for t in self.tables]
        return None if any(c is None for c in counts) else sum(c or 0 for c in counts)


@dataclass(frozen=True)
class ExportSpec:
    key: str
    page: str  # URL name of the page that offers it (and answers ?export=)
    label: str
    cap: Cap  # needed besides Cap.EXPORT
    build: Callable[..., ExportData]
    formats: Sequence[str] = ("csv", "xlsx")
    inline_rows: int = INLINE_ROWS
    # The page URL's arguments `build` takes as keywords, e.g. ("pk",) for a record page.
    url_kwargs: tuple[str, ...] = ()


_SPECS: dict[str, ExportSpec] = {}


def export_register(spec: ExportSpec) -> None:
    unknown = set(spec.formats) - set(ALL_FORMATS)
    if unknown:
        raise ValueError(f"export {spec.key!r}: unknown formats {sorted(unknown)}")
    _SPECS[spec.key] = spec


def export_spec(key: str) -> ExportSpec:
    return _SPECS[key]


def export_specs() -> list[ExportSpec]:
    return sorted(_SPECS.values(), key=lambda s: s.key)
