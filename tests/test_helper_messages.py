"""The helper's failure lines and its README's table (When something goes wrong) list the same lines.

The helper keeps every line it can print in one module (messages.py); the table lists each by how it
begins: up to its first ": ", a field shown as "…". A line added, renamed or dropped in the code and not
in the table, or left in the table after the code stops printing it, fails here.
"""

from __future__ import annotations

import ast
import re
import string

import pytest
from botocore.exceptions import (
    ConnectTimeoutError,
    EndpointConnectionError,
    HTTPClientError,
    ProxyConnectionError,
    ReadTimeoutError,
)
from third_party_ec2_access_credentials import messages
from third_party_ec2_access_credentials.chain import unreachable

from harness.program_run import PROJECT_DIR

HELPER_README = PROJECT_DIR / "helper" / "README.md"
PACKAGE = PROJECT_DIR / "helper" / "src" / "third_party_ec2_access_credentials"
TABLE_HEADER = "| The line says | What to do |"


def lines_in_code() -> dict[str, messages.Line]:
    return {name: value for name, value in vars(messages).items() if isinstance(value, messages.Line)}


def beginning(template: str) -> str:
    """How the README names a line: its text up to the first ": ", each field as "…"."""
    text = "".join(
        literal + ("…" if field is not None else "") for literal, field, _, _ in string.Formatter().parse(template)
    )
    return text.split(": ", 1)[0]


def readme_table(text: str) -> dict[str, str]:
    """Each line the table names (a cell may name several, in backticks, between " / ") -> what to do."""
    lines = text.splitlines()
    start = lines.index(TABLE_HEADER) + 2  # after the header and its |---|---| row
    rows: dict[str, str] = {}
    for line in lines[start:]:
        if not line.startswith("|"):
            break
        says, what_to_do = (cell.strip() for cell in line.strip().strip("|").split(" | ", 1))
        for named in says.split(" / "):
            assert re.fullmatch(r"`[^`]+`", named), f"a cell of 'The line says' names lines in backticks: {named}"
            rows[named.strip("`")] = what_to_do
    return rows


def test_the_readme_table_lists_every_line_the_helper_can_print_and_no_other():
    in_code = {beginning(template) for template in lines_in_code().values()}
    in_readme = readme_table(HELPER_README.read_text())
    assert sorted(in_code - set(in_readme)) == [], "lines the helper prints that helper/README.md's table lacks"
    assert sorted(set(in_readme) - in_code) == [], "lines helper/README.md's table lists that the helper never prints"
    assert all(what_to_do for what_to_do in in_readme.values())


def test_the_table_is_read_as_written():
    text = f"{TABLE_HEADER}\n|---|---|\n| `no region` | add it |\n| `a …` / `b (…)` | do this |\n\nafter\n"
    assert readme_table(text) == {"no region": "add it", "a …": "do this", "b (…)": "do this"}
    assert beginning("no profile {profile} in ~/.aws/config: paste it") == "no profile … in ~/.aws/config"
    assert beginning("--access-expires takes a time, not {value!r}") == "--access-expires takes a time, not …"


def _calls(tree: ast.AST, name: str) -> list[ast.Call]:
    return [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name | ast.Attribute)
        and (node.func.id if isinstance(node.func, ast.Name) else node.func.attr) == name
    ]


def test_every_failure_line_comes_from_the_messages_module_and_each_of_its_lines_is_printed():
    """No HelperError is made from text outside messages.py (so no line escapes the table), and every line
    there is used as ``messages.NAME`` somewhere else in the helper (so the table lists none it never prints)."""
    used: set[str] = set()
    for source in sorted(PACKAGE.glob("*.py")):
        tree = ast.parse(source.read_text())
        if source.name != "messages.py":
            assert _calls(tree, "HelperError") == [], f"{source.name} makes a HelperError: use a messages.Line"
        used |= {
            node.attr
            for node in ast.walk(tree)
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "messages"
        }
    assert sorted(set(lines_in_code()) - used) == [], "lines in messages.py that the helper never uses"


@pytest.mark.parametrize(
    "error",
    [
        EndpointConnectionError(endpoint_url="https://sts.eu-west-1.amazonaws.com/", error="refused"),
        ConnectTimeoutError(endpoint_url="https://sts.eu-west-1.amazonaws.com/", error="timed out"),
        ReadTimeoutError(endpoint_url="https://sts.eu-west-1.amazonaws.com/", error="timed out"),
    ],
    ids=lambda error: type(error).__name__,
)
def test_a_network_failure_names_the_endpoint_it_tried_the_network_and_the_region(error, monkeypatch):
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.delenv("AWS_ENDPOINT_URL_STS", raising=False)
    assert str(unreachable(error, "eu-west-1")) == (
        f"cannot reach AWS at https://sts.eu-west-1.amazonaws.com/ ({type(error).__name__}): check your network, "
        "and any proxy (HTTPS_PROXY), VPN or firewall on the way; the region it used is eu-west-1 (the profile's "
        "region, or --region)"
    )


@pytest.mark.parametrize("variable", ["AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_STS"])
def test_a_network_failure_with_an_endpoint_variable_set_names_the_variable(variable, monkeypatch):
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.delenv("AWS_ENDPOINT_URL_STS", raising=False)
    monkeypatch.setenv(variable, "http://127.0.0.1:9")
    error = EndpointConnectionError(endpoint_url="http://127.0.0.1:9/", error="refused")
    assert str(unreachable(error, "eu-west-1")) == (
        f"cannot reach AWS at http://127.0.0.1:9/ (EndpointConnectionError): {variable} is set and sends the call "
        "there: check it (unset it to reach AWS itself), then your network, and any proxy (HTTPS_PROXY), VPN or "
        "firewall on the way"
    )


def test_a_network_failure_shows_no_password_or_query_of_the_url(monkeypatch):
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.delenv("AWS_ENDPOINT_URL_STS", raising=False)
    through_proxy = ProxyConnectionError(proxy_url="http://alice:pr0xy-pa55@proxy.example:3128", error="refused")
    signed = EndpointConnectionError(endpoint_url="https://u:pa55@sts.example/?X-Amz-Signature=5ig", error="refused")
    assert str(unreachable(through_proxy, "eu-west-1")).startswith(
        "cannot reach AWS at the proxy http://proxy.example:3128 (ProxyConnectionError): check your network"
    )
    assert str(unreachable(signed, "eu-west-1")).startswith("cannot reach AWS at https://sts.example/ (")
    assert str(unreachable(HTTPClientError(error="x"), None)).startswith(
        "cannot reach AWS at its endpoint (HTTPClientError)"
    )
    for shown in (str(unreachable(through_proxy, "r")), str(unreachable(signed, "r"))):
        assert [secret for secret in ("alice", "pa55", "5ig") if secret in shown] == []
