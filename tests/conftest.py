"""Shared test configuration: Hypothesis profiles and the golden-file switch.

Profiles: ``ci`` (the default when ``CI`` is set, sized so the whole suite runs
in a few minutes on 2 cores), ``dev`` (the default otherwise) and ``thorough``
(``HYPOTHESIS_PROFILE=thorough pytest`` for a long local run).
"""

import os

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci", max_examples=30, deadline=None, derandomize=True, print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("thorough", max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))


def pytest_addoption(parser):
    parser.addoption("--update-golden", action="store_true", default=False,
                     help="rewrite golden files under tests/golden/ from the current output")


@pytest.fixture
def update_golden(request) -> bool:
    """True when the run was started with --update-golden."""
    return request.config.getoption("--update-golden")


GOLDEN_DIR = os.path.join(os.path.dirname(__file__), "golden")


@pytest.fixture
def golden(request):
    """``golden(name, text)``: compare ``text`` with ``tests/golden/<name>``.

    With ``--update-golden`` the file is rewritten instead (review the diff before committing).
    """
    update = request.config.getoption("--update-golden")

    def check(name: str, text: str) -> None:
        path = os.path.join(GOLDEN_DIR, name)
        if update or not os.path.exists(path):
            if not update:
                pytest.fail(f"golden file {name} is missing; run pytest --update-golden and review it")
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w", encoding="utf-8") as fh:
                fh.write(text)
            return
        with open(path, encoding="utf-8") as fh:
            expected = fh.read()
        assert text == expected, f"output differs from golden file {name}; rerun with --update-golden if the change is intended"

    return check
