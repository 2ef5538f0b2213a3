"""Organization backup and restore: every organization-owned table in one file, and back.

`registry` finds the tables (from the app registry, so a new model is covered or named as
excluded), `codec` turns values into cells and back without loss, `writer` writes the
workbook (or a zip of CSVs), `reader` reads either back, and `restore` loads a file into a
new, empty organization in one transaction. See docs/backup.md.
"""
