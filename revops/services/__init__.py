"""Core services: every write that matters, one function per use case."""
