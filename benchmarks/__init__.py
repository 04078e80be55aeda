"""Benchmarks of the connector against the sandbox: run ``python benchmarks/run.py``."""
