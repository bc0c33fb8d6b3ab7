"""Conformance tooling: record what the real frameworks answer, so our dialects can be compared to them."""
