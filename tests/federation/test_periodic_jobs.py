"""Every periodic job the scheduler registers exists and runs through the job runner."""

from __future__ import annotations

import pytest

from federation.cli import PERIODIC_JOBS
from services.jobs.runner import run_job


@pytest.mark.parametrize("job", [job for job, _ in PERIODIC_JOBS])
def test_each_periodic_job_runs_in_its_own_transaction(app, two_coops, job):
    with app.app_context():
        run_job(job)  # raises if the path is wrong or the job needs an argument


def test_the_worker_can_preload_every_job_module(app):
    from services.jobs.runner import preload

    preload(app)  # raises if a job module was renamed or moved
