"""Helpers shared by the tests and the benchmarks (synthetic fleet, classifier evaluation); never shipped."""
