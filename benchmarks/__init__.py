"""Benchmarks (``make bench``): measured numbers, never asserted inside tests."""
