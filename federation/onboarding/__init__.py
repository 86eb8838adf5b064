"""The onboarding wizard at /start: a forming group's way to a working co-op."""
