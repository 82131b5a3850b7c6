"""The README is the front page: short, the two commands a newcomer runs, and a way to every other page."""

from __future__ import annotations

import re

from tests.test_docs_links import ROOT, doc_pages, relative_links

README = ROOT / "README.md"


def test_the_readme_is_at_most_200_lines():
    assert len(README.read_text(encoding="utf-8").splitlines()) <= 200


def test_the_readme_gives_the_demo_and_the_test_command_that_ci_runs():
    text = README.read_text(encoding="utf-8")
    assert re.search(r"^\./scripts/demo\b", text, re.MULTILINE)
    assert re.search(r"^\./scripts/test\b", text, re.MULTILINE)
    assert "exec ./scripts/test" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_the_readme_links_every_page_of_the_docs():
    linked = {(ROOT / target.partition("#")[0]).resolve() for _, target in relative_links(README)}
    assert [page.relative_to(ROOT) for page in doc_pages()[1:] if page.resolve() not in linked] == []
