"""Accepting an emailed invitation to a co-op: the public page behind the link."""
