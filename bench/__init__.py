"""Benchmark scripts (issue 14): each prints a table; none is a test. See docs/benchmarks.md."""
