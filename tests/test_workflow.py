"""The pull-request workflow runs the suite as CI does (.ci/run, as root): on GitHub's runner the user is
not root, and the Run As script's tests, which need root, would error there under CI=true."""

from __future__ import annotations

import yaml

from harness.program_run import PROJECT_DIR

WORKFLOW = PROJECT_DIR / ".github" / "workflows" / "pull-request.yml"
SUITE = {"./scripts/test", "scripts/test", "./.ci/run", ".ci/run"}


def _commands(job: dict) -> list[list[str]]:
    """Every command line of the job's run steps, in words (quotes kept)."""
    return [
        line.split()
        for step in job["steps"]
        if "run" in step
        for line in step["run"].splitlines()
        if line.strip() and not line.strip().startswith("#")
    ]


def _runs_the_suite(words: list[str]) -> bool:
    return any(word in SUITE for word in words)


def test_the_unit_test_job_runs_the_suite_through_ci_run_as_root_with_the_runners_path_and_ci():
    job = yaml.safe_load(WORKFLOW.read_text())["jobs"]["unit-tests"]
    suite = [words for words in _commands(job) if _runs_the_suite(words)]
    assert suite == [["sudo", "env", '"PATH=$PATH"', '"CI=$CI"', "./.ci/run"]]


def test_no_job_runs_the_suite_but_as_root():
    jobs = yaml.safe_load(WORKFLOW.read_text())["jobs"]
    for name, job in jobs.items():
        for words in _commands(job):
            if _runs_the_suite(words):
                assert words[0] == "sudo", f"{name}: {' '.join(words)}"
