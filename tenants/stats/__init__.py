"""A co-op's weekly statistics rollups, computed from its own store and sent through the outbox."""
