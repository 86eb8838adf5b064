"""The public directory of co-ops that chose to be named (issue 13)."""
