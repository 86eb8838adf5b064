"""The small shared base of coopfed: settings, the federation database handle, errors and jobs.

Every other layer may import from here; this package imports from none of them.
"""
