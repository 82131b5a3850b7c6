"""Every relative link of the docs resolves: the file it names exists, and so does the heading its anchor names.

The pages are the README, docs/ and the helper's README. Anchors are made as GitHub makes them from a
heading: its text lowercased, punctuation dropped, each space a '-', and a repeated heading numbered
(-1, -2, ...). Links inside code (fenced blocks and code spans) are text, not links, and are not followed.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FENCE = re.compile(r"^\s*(```|~~~)")
HEADING = re.compile(r"^ {0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
CODE_SPAN = re.compile(r"(`+)(.+?)\1")
INLINE_LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*<?([^)\s>]*)>?(?:\s+\"[^\"]*\")?\s*\)")
REFERENCE_DEFINITION = re.compile(r"^ {0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s.*)?$")
LINE_ANCHOR = re.compile(r"L\d+(-L\d+)?")
SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*:", re.IGNORECASE)


def doc_pages(root: Path = ROOT) -> list[Path]:
    return [root / "README.md", *sorted((root / "docs").glob("*.md")), root / "helper" / "README.md"]


def prose_lines(text: str) -> list[tuple[int, str]]:
    """The lines outside fenced code blocks, numbered from 1."""
    lines, in_fence = [], False
    for number, line in enumerate(text.splitlines(), start=1):
        if FENCE.match(line):
            in_fence = not in_fence
            continue
        if not in_fence:
            lines.append((number, line))
    return lines


def github_anchor(heading: str) -> str:
    """The anchor GitHub gives a heading (github-slugger), before numbering repeats."""
    text = CODE_SPAN.sub(lambda match: match.group(2), heading)
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", text)  # a link's text stays, its target goes
    text = re.sub(r"<[^>]+>", "", text)
    return re.sub(r"[^\w\- ]", "", text.strip().lower()).replace(" ", "-")


def anchors_of(page: Path) -> set[str]:
    anchors: set[str] = set()
    seen: dict[str, int] = {}
    for _, line in prose_lines(page.read_text(encoding="utf-8")):
        match = HEADING.match(line)
        if not match:
            continue
        anchor = github_anchor(match.group(2))
        count = seen.get(anchor, 0)
        seen[anchor] = count + 1
        anchors.add(anchor if count == 0 else f"{anchor}-{count}")
    return anchors


def relative_links(page: Path) -> list[tuple[int, str]]:
    links = []
    for number, line in prose_lines(page.read_text(encoding="utf-8")):
        definition = REFERENCE_DEFINITION.match(line)
        targets = [definition.group(1)] if definition else []
        targets += INLINE_LINK.findall(CODE_SPAN.sub("", line))
        links += [(number, target) for target in targets if target and not SCHEME.match(target)]
    return links


def broken_links(pages: list[Path], root: Path = ROOT) -> list[str]:
    broken = []
    for page in pages:
        for number, target in relative_links(page):
            path_part, _, anchor = target.partition("#")
            destination = (page.parent / path_part).resolve() if path_part else page
            where = f"{page.relative_to(root)}:{number}: {target}"
            if not destination.exists():
                broken.append(f"{where} (no such file)")
            elif anchor and destination.suffix == ".md" and anchor not in anchors_of(destination):
                broken.append(f"{where} (no heading makes #{anchor} in {destination.relative_to(root)})")
            elif anchor and destination.suffix != ".md" and not LINE_ANCHOR.fullmatch(anchor):
                broken.append(f"{where} (a file that is not markdown takes only line anchors, #L12 or #L12-L20)")
    return broken


def test_every_relative_link_and_anchor_of_the_docs_resolves():
    pages = doc_pages()
    assert all(page.exists() for page in pages)
    assert broken_links(pages) == []


def test_anchors_are_made_as_github_makes_them():
    assert (
        github_anchor("For the third party's admin: the `their` stack") == "for-the-third-partys-admin-the-their-stack"
    )
    assert github_anchor("Grant, expire, revoke") == "grant-expire-revoke"
    assert github_anchor("Session ids, and the data channel") == "session-ids-and-the-data-channel"
    assert github_anchor("State, secrets and credentials for a team") == "state-secrets-and-credentials-for-a-team"


def test_a_repeated_heading_is_numbered_and_code_is_not_a_heading(tmp_path):
    page = tmp_path / "page.md"
    page.write_text("# Deploy\n\n## Deploy\n\n```sh\n# Not a heading\n```\n")
    assert anchors_of(page) == {"deploy", "deploy-1"}


def test_a_missing_file_a_missing_heading_and_a_named_anchor_into_code_are_each_reported(tmp_path):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "there.md").write_text("# There\n\n## A section\n")
    (tmp_path / "code.py").write_text("pass\n")
    page = tmp_path / "README.md"
    page.write_text(
        "[fine](docs/there.md#a-section) [fine too](#here) [web](https://example.com/#nowhere)\n"
        "`[in a code span](docs/gone.md)`\n\n"
        "```md\n[in a fenced block](docs/gone.md)\n```\n\n"
        "# Here\n\n"
        "[gone](docs/gone.md) [no heading](docs/there.md#nowhere) [no section](#nowhere)\n"
        "[code](code.py#main) [a line](code.py#L1) [lines](code.py#L1-L2)\n\n"
        "[defined]: docs/also-gone.md\n"
    )
    assert broken_links([page], root=tmp_path) == [
        "README.md:10: docs/gone.md (no such file)",
        "README.md:10: docs/there.md#nowhere (no heading makes #nowhere in docs/there.md)",
        "README.md:10: #nowhere (no heading makes #nowhere in README.md)",
        "README.md:11: code.py#main (a file that is not markdown takes only line anchors, #L12 or #L12-L20)",
        "README.md:13: docs/also-gone.md (no such file)",
    ]
