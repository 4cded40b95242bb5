"""The console app, plus the test-only jobs, for the worker-process test."""

import tests.test_jobs  # noqa: F401 - registers the jobs the test enqueues
from console.app import create_app

app = create_app()
