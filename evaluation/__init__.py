"""Metrics, evaluation protocols, baselines, benchmarks and reports."""
