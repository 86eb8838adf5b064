"""Shared cross-co-op services: jobs, the outbox relay, and later the pool, lending and stats."""
