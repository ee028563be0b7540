"""The load benchmark (`bench/run.py`) and its bench-only Wagtail app (`bench.minimal`)."""
