"""Waiting for in-process jobs has no fixed deadline: a slow job on a busy machine finishes."""

from __future__ import annotations

import logging

import pytest
from flask import Flask
from sqlalchemy import select

from core.audit import AuditEvent
from core.db import db
from core.jobs import enqueue_after_commit
from services.jobs.backends import InProcessBackend

SLOW = "tests.services.jobs_for_tests:slow_mark"


@pytest.fixture
def backend(app):
    if not isinstance(app.extensions["coopfed.jobs"], InProcessBackend):
        pytest.skip("drain() belongs to in-process jobs (the embedded set-up)")
    return app.extensions["coopfed.jobs"]


def test_drain_outlasts_a_job_slower_than_its_progress_interval(app: Flask, backend, two_coops,
                                                                 caplog):
    (a, _), (b, _) = two_coops
    with app.app_context():
        enqueue_after_commit(db.session, SLOW, a.id)
        enqueue_after_commit(db.session, SLOW, b.id)
        db.session.commit()
    with caplog.at_level(logging.INFO, logger="services.jobs.backends"):
        backend.drain(progress_every=0.2)
    assert "waiting for" in caplog.text  # it said what it was doing while it waited
    with app.app_context():
        marked = db.session.scalars(select(AuditEvent.coop_id).where(
            AuditEvent.action == "test.marked",
            AuditEvent.coop_id.in_([a.id, b.id]))).all()
    assert sorted(marked) == sorted([a.id, b.id])


def test_a_caller_that_gives_up_still_can(app: Flask, backend, two_coops):
    (a, _), _ = two_coops
    with app.app_context():
        enqueue_after_commit(db.session, SLOW, a.id)
        db.session.commit()
    with pytest.raises(TimeoutError):
        backend.drain(timeout=0.1)
    backend.drain()
