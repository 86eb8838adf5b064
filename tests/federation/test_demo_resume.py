"""`coopfed demo` shows its progress, and a seed stopped with Ctrl-C is finished by the next
run, ending with exactly the records of a run that was never stopped."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

# The seeds it runs are always embedded (it unsets the server URLs), so the PostgreSQL pass
# would only run the same four seeds again.
pytestmark = pytest.mark.skipif(bool(os.environ.get("COOPFED_DATABASE_URL")),
                                reason="embedded seeds only: runs in the embedded pass")

VENV_BIN = Path(sys.executable).parent
HANG_GUARD = 1200  # seconds: only to stop a hung seed; timings belong to bench/
# Bookkeeping that records how the seed ran rather than what it made: an interrupted run
# legitimately leaves more of it (a provisioning attempt, an audit row of the retry, a
# job lease). Everything else must be identical.
HOW_IT_RAN = {"audit_events", "tenant_audit_events", "job_leases", "inbox_events",
              "outbox_events", "sent_mail", "alembic_version"}


def _env(instance: Path) -> dict:
    env = {k: v for k, v in os.environ.items()
           if k not in ("COOPFED_DATABASE_URL", "COOPFED_REDIS_URL", "COOPFED_PUBLIC_URL")}
    env["COOPFED_INSTANCE_PATH"] = str(instance)
    env["COOPFED_ENV"] = "development"
    return env


def _default_ctrl_c() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _seed(instance: Path, log: Path, stop_at: str | None = None) -> tuple[int, str]:
    """Run ``coopfed demo --no-serve``; with ``stop_at``, press Ctrl-C once that line shows."""
    with log.open("w") as out:
        # Ctrl-C as in a terminal: a process that ignores SIGINT passes that on to its
        # children, and something in a long test run leaves the pytest worker so (twice
        # in the embedded pass the seed ran to the end, deaf to every Ctrl-C).
        process = subprocess.Popen([str(VENV_BIN / "coopfed"), "demo", "--no-serve"],
                                   env=_env(instance), stdout=out, stderr=subprocess.STDOUT,
                                   preexec_fn=_default_ctrl_c)
        started = time.monotonic()
        try:
            while process.poll() is None:
                if time.monotonic() - started > HANG_GUARD:
                    raise AssertionError(f"the seed hung:\n{log.read_text()[-3000:]}")
                if stop_at and stop_at in log.read_text():
                    process.send_signal(signal.SIGINT)
                    stop_at = None
                time.sleep(0.2)
        finally:
            if process.poll() is None:
                process.kill()
            process.wait()
    return process.returncode, log.read_text()


def _rows(path: Path) -> dict[str, int]:
    with sqlite3.connect(path) as conn:
        tables = [r[0] for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]
        return {t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0]
                for t in sorted(tables) if t not in HOW_IT_RAN}


def _fingerprint(instance: Path) -> dict[str, dict[str, int]]:
    """Rows per table, in the federation store and in each co-op's store (by slug)."""
    found = {"federation": _rows(instance / "federation.sqlite")}
    for store in sorted((instance / "coops").glob("*.sqlite")):
        found[store.stem] = _rows(store)
    return found


def test_a_seed_stopped_half_way_is_finished_by_the_next_run_to_the_same_records(tmp_path):
    code, clean_log = _seed(tmp_path / "clean", tmp_path / "clean.log")
    assert code == 0, clean_log[-3000:]
    for step in ("demo: people and co-ops", "demo: requested co-op gofal-gwynedd",
                 "demo: workspace 1/", "demo: shared service 1/", "demo: done",
                 "Demo sign-ins"):
        assert step in clean_log, step

    # Stopped while the second co-op's store is being set up by its job.
    code, stopped_log = _seed(tmp_path / "stopped", tmp_path / "stopped.log",
                              stop_at="demo: requested co-op cardiff-dp-circle")
    assert code != 0, "the seed finished before it could be stopped"
    assert "demo: done" not in stopped_log
    code, resumed_log = _seed(tmp_path / "stopped", tmp_path / "resumed.log")
    assert code == 0, resumed_log[-3000:]
    assert "demo: done" in resumed_log

    assert _fingerprint(tmp_path / "stopped") == _fingerprint(tmp_path / "clean")
    # And a third run, over a finished demo, adds nothing.
    code, again_log = _seed(tmp_path / "stopped", tmp_path / "again.log")
    assert code == 0, again_log[-3000:]
    assert _fingerprint(tmp_path / "stopped") == _fingerprint(tmp_path / "clean")
