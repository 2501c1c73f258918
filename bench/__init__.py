"""Benchmarks printing figures, run on demand: `python -m bench.run --help`."""
