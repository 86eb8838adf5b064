"""The HiGHS linear-programming solver, re-solved with warm starts by the interval audit.

``highspy`` is HiGHS's own Python binding; SciPy ships the same binding inside
``scipy.optimize`` (which its ``linprog(method="highs")`` uses), so the audit takes the
public package when it is installed and SciPy's copy otherwise. ``linprog`` itself
rebuilds the model on every call, which made the audit a hundred times slower.
"""

from __future__ import annotations

try:  # pragma: no cover - depends on what is installed
    from highspy import Highs, HighsLp, HighsModelStatus, MatrixFormat, kHighsInf
except ImportError:  # pragma: no cover
    from scipy.optimize._highspy._core import (  # noqa: F401
        HighsLp,
        HighsModelStatus,
        MatrixFormat,
        kHighsInf,
    )
    from scipy.optimize._highspy._core import _Highs as Highs  # noqa: F401

__all__ = ["Highs", "HighsLp", "HighsModelStatus", "MatrixFormat", "kHighsInf"]
