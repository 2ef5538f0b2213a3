"""Reads for the core pages, API and exports: scoped querysets and small frozen dataclasses."""
