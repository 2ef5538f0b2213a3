"""The report kit: a report is a cover, summary text, KPI tiles, charts and tables, declared once
(`revops.reports.kit`) and rendered to a PDF (`revops.reports.pdf`, xhtml2pdf) and to a formatted
multi-sheet Excel workbook (`revops.reports.xlsx`). Charts are PNG images drawn offline with
matplotlib (`revops.reports.images`). Apps register their reports from `AppConfig.ready` with
`revops.reports.kit.report_register`; files are written by JobRuns (revops.services.reports).
"""
