"""The import framework: files in, validated rows out, written all or nothing.

- `profiles` — `ProfileSpec`, how a source's file looks (CSV delimiter and encoding, XLSX
  sheet and header row, PDF tables; column map, number and date formats, Excel serial dates,
  constants, value maps). Numbers and dates are read by the declared format or refused.
- `readers` — bytes → header and numbered rows; an unreadable file raises `FileRefused`.
- `fields` — row-schema field types (pydantic) that read values by the profile.
- `kinds` — `ImportKind` (schema, dedupe key, totals, capability, resolve/plan/write) and the
  registry apps fill from `AppConfig.ready`.
- `pipeline` — preview (errors by line and field, counts, totals, create/update/unchanged)
  and the all-or-nothing apply with its audit row.
- `command` — the management-command door.

The jobs around it (store the upload, preview, confirm, run, fail with a message) are
`revops.services.imports`; the page is `revops.web.imports`, the API `revops.api.imports`.
"""
