"""In-process fake servers of outside systems, on 127.0.0.1, speaking the real protocols."""
