"""Use cases: each takes the Runtime and plain values, and returns plain values."""
