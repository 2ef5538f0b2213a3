"""Thin clients for outside systems. No models, no domain imports; each is optional."""
