"""Benchmarks of coopfed. Run one with ``.venv/bin/python -m bench.<name>``; see BENCHMARKS.md."""
