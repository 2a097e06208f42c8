"""Benchmarks: run as scripts (python bench/NAME.py); they print figures, never assert timing."""
