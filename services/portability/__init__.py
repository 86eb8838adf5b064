"""Data portability: co-op export and import, leaving, subject access (issue 15)."""
