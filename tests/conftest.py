"""Shared pytest setup: tests/gru_ref tests the library, tests/site the site built from it.

- KERAS_BACKEND=torch and at most 2 BLAS/torch threads, set before anything imports keras or torch.
- GRU_REF_STRICT=1 (set in CI) turns every skip into a failure, so a missing oracle can never pass quietly.
- The oracle tests record their largest error per oracle/cell/dtype; the summary prints it at the end.
"""
import os
import sys

os.environ.setdefault("KERAS_BACKEND", "torch")
for _threads in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ.setdefault(_threads, "2")

# The test helpers (oracles.py, site_server.py, exercise_oracles.py) live beside the tests that use them, in
# tests/gru_ref (the library's tests), tests/site (the site's) and tests/quiz (the exercises'); make them
# importable under any --import-mode.
for _part in ("gru_ref", "site", "quiz"):
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), _part))

from pathlib import Path  # noqa: E402

import oracles  # noqa: E402  (numpy only; torch and keras are imported lazily by the tests that need them)
import pytest  # noqa: E402

CHROMIUM = Path("/usr/bin/chromium")  # Debian's package; tests/install_browser.py installs it
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update"]


@pytest.fixture(scope="session")
def browser():
    """One Chromium for the whole run: Playwright's sync API allows one running session per process."""
    sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright Python package is missing")
    if not CHROMIUM.exists():
        pytest.skip(f"no Chromium at {CHROMIUM} (Debian package 'chromium'; tests/install_browser.py)")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def strict():
    return os.environ.get("GRU_REF_STRICT", "") == "1"


def skip_reason(report):
    if hasattr(report, "wasxfail"):
        return f"xfail: {report.wasxfail}"
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return longrepr[2]
    return str(longrepr)


def fail_instead_of_skip(report):
    report.longrepr = f"GRU_REF_STRICT=1 forbids skipping; this would have been skipped: {skip_reason(report)}"
    report.outcome = "failed"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if strict() and report.skipped:
        fail_instead_of_skip(report)


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector):
    # A module-level importorskip skips at collection time, which never reaches runtest_makereport.
    outcome = yield
    report = outcome.get_result()
    if strict() and report.skipped:
        fail_instead_of_skip(report)


def pytest_terminal_summary(terminalreporter):
    lines = oracles.error_summary()
    if lines:
        terminalreporter.section("largest absolute error of gru_ref against each oracle")
        for line in lines:
            terminalreporter.write_line(line)
