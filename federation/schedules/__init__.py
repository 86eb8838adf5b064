"""Emailing a care worker their schedule (reg 41)."""
