"""Benchmarks that ship with unmask (``unmask bench ...``); scripts in benchmarks/ call these."""
