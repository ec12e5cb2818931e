"""Benchmarks: ``python -m bench`` runs them all; each prints figures measured in one run."""
