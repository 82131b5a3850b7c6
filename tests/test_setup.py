"""scripts/setup on a machine without uv, on Debian's own Python, and with or without Node: each run in
a throwaway copy of the project, with a PATH of its own.

Debian's python3 refuses ``pip install`` outside a virtual environment (PEP 668: an EXTERNALLY-MANAGED
file in its stdlib directory, https://peps.python.org/pep-0668/); where the machine has no such python3, the
stand-in python3 here refuses it the same way, and runs everything else with this interpreter. The pinned uv
comes from a stand-in wheel, so no index is needed: it records how setup calls it.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from harness.program_run import PROJECT_DIR

UV_VERSION = re.search(r'^UV_VERSION="([^"]+)"$', (PROJECT_DIR / "scripts" / "setup").read_text(), re.M)[1]
NPM_LINE = (
    "setup: the IAM policy engine needs Node.js 20 or later with npm: install both (https://nodejs.org/en/download)"
)
VENV_LINE = (
    "setup: python3 cannot make a virtual environment for uv: install python3-venv (apt-get install python3-venv),"
    f" or uv {UV_VERSION}"
)
NO_PYTHON_LINE = f"setup: needs uv or python3: install uv {UV_VERSION} (https://docs.astral.sh/uv/) or Python 3.11+"
PEP_668_REFUSAL = """#!/bin/sh
echo "python3 $*" >> "$STUB_LOG"
if [ "$1 $2 $3" = "-m pip install" ]; then
  echo "error: externally-managed-environment" >&2
  exit 1
fi
exec {python} "$@"
"""
LOGGING_STUB = '#!/bin/sh\necho "{name} $*" >> "$STUB_LOG"\n'


def _uv_wheel(directory: Path) -> Path:
    """A wheel named uv, at the pinned version, whose uv command prints its version or logs its arguments."""
    wheel = directory / f"uv-{UV_VERSION}-py3-none-any.whl"
    info = f"uv-{UV_VERSION}.dist-info"
    files = {
        "uv_stand_in.py": (
            "import os, sys\n"
            "def main():\n"
            f"    if sys.argv[1:] == ['--version']:\n        print('uv {UV_VERSION}')\n        return\n"
            "    with open(os.environ['STUB_LOG'], 'a') as log:\n"
            "        log.write(' '.join([sys.argv[0], *sys.argv[1:]]) + '\\n')\n"
        ),
        f"{info}/METADATA": f"Metadata-Version: 2.1\nName: uv\nVersion: {UV_VERSION}\n",
        f"{info}/WHEEL": "Wheel-Version: 1.0\nGenerator: tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
        f"{info}/entry_points.txt": "[console_scripts]\nuv = uv_stand_in:main\n",
    }
    with zipfile.ZipFile(wheel, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
        archive.writestr(f"{info}/RECORD", "".join(f"{name},,\n" for name in [*files, f"{info}/RECORD"]))
    return wheel


def _project(tmp_path: Path, tools: dict[str, str]) -> tuple[Path, dict[str, str]]:
    """A copy of what setup reads, and an environment whose PATH holds only the basics and `tools`
    (a name to a script's text, or to the path of a real program to link)."""
    project = tmp_path / "project"
    (project / "scripts").mkdir(parents=True)
    for name in ["setup", "npm-installed.mjs"]:
        shutil.copy2(PROJECT_DIR / "scripts" / name, project / "scripts" / name)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name in ["bash", "dirname", "rm"]:
        (bin_dir / name).symlink_to(shutil.which(name))
    for name, text in tools.items():
        if text.startswith("/"):
            (bin_dir / name).symlink_to(text)
        else:
            (bin_dir / name).write_text(text)
            (bin_dir / name).chmod(0o755)
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    _uv_wheel(wheels)
    env = {
        "PATH": str(bin_dir),
        "HOME": str(tmp_path),
        "STUB_LOG": str(tmp_path / "calls.log"),
        # pip finds the stand-in wheel, and no index or machine configuration.
        "PIP_NO_INDEX": "1",
        "PIP_FIND_LINKS": str(wheels),
        "PIP_CONFIG_FILE": os.devnull,
    }
    return project, env


def _setup(project: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [shutil.which("bash"), "scripts/setup"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


def _calls(env: dict[str, str]) -> list[str]:
    log = Path(env["STUB_LOG"])
    return log.read_text().splitlines() if log.exists() else []


DEBIAN_PYTHON = Path("/usr/bin/python3")


def _externally_managed_with_venv(python: Path) -> bool:
    """Whether ``python`` refuses pip installs as Debian's does (PEP 668) and can still make a venv."""
    script = (
        "import ensurepip, pathlib, sysconfig; print(pathlib.Path(sysconfig.get_path('stdlib'), 'EXTERNALLY-MANAGED'))"
    )
    if not python.exists():
        return False
    found = subprocess.run([str(python), "-c", script], capture_output=True, text=True, check=False)
    return found.returncode == 0 and Path(found.stdout.strip()).exists()


def _refusing_python3() -> str:
    """A python3 that refuses pip installs outside a virtual environment, each call logged: Debian's own where
    the machine has it (Debian 12 with python3-venv), which refuses them itself; else the stand-in. One of the
    two, as each run builds a virtual environment with pip in it, the dearest step of setup."""
    if _externally_managed_with_venv(DEBIAN_PYTHON):
        return f'#!/bin/sh\necho "python3 $*" >> "$STUB_LOG"\nexec {DEBIAN_PYTHON} "$@"\n'
    return PEP_668_REFUSAL.format(python=sys.executable)


def test_without_uv_a_refusing_python3_gets_uv_into_dot_tools_and_a_missing_npm_one_line(tmp_path):
    project, env = _project(tmp_path, {"python3": _refusing_python3()})

    first = _setup(project, env)

    assert first.returncode == 1, first.stderr
    assert first.stderr.splitlines() == [NPM_LINE]
    assert "externally-managed-environment" not in first.stderr
    uv = project / ".tools" / "bin" / "uv"
    assert f"{uv} sync --locked --quiet" in _calls(env)
    assert not any(call.startswith("python3 -m pip") for call in _calls(env))

    # The next run finds the pinned uv in .tools and builds nothing.
    Path(env["STUB_LOG"]).unlink()
    second = _setup(project, env)
    assert second.stderr.splitlines() == [NPM_LINE]
    assert _calls(env) == [f"{uv} sync --locked --quiet"]


def _an_os_python() -> str | None:
    """A version of Python the operating system has in /usr/bin (``/usr/bin/python3.N``), if any."""
    versions = sorted(p.name.removeprefix("python") for p in Path("/usr/bin").glob("python3.*"))
    return next((v for v in versions if re.fullmatch(r"3\.\d+", v) and os.access(f"/usr/bin/python{v}", os.X_OK)), None)


def test_a_new_environment_is_made_from_the_oss_own_build_of_the_pinned_python_unless_the_user_chose(tmp_path):
    uv_logging_its_python = '#!/bin/sh\necho "uv $* with UV_PYTHON=${UV_PYTHON-unset}" >> "$STUB_LOG"\n'
    project, env = _project(tmp_path, {"uv": uv_logging_its_python})
    os_version = _an_os_python()
    if os_version is None:
        pytest.skip("the machine has no /usr/bin/python3.N to choose")

    def chosen(pinned: str, **extra: str) -> str:
        (project / ".python-version").write_text(f"{pinned}\n")
        Path(env["STUB_LOG"]).unlink(missing_ok=True)
        assert _setup(project, {**env, **extra}).stderr.splitlines() == [NPM_LINE]  # no Node here: it stops there
        (call,) = _calls(env)
        return call.removeprefix("uv sync --locked --quiet with ")

    assert chosen(os_version) == f"UV_PYTHON=/usr/bin/python{os_version}", "the OS's own build of the pinned one"
    assert chosen("3.99") == "UV_PYTHON=unset", "uv's choice where the OS has not the pinned version"
    assert chosen(os_version, OSTYPE="darwin23") == "UV_PYTHON=unset", "uv's choice on macOS"
    assert chosen(os_version, UV_PYTHON="3.12") == "UV_PYTHON=3.12", "the user's choice"
    assert chosen(os_version, UV_PYTHON_PREFERENCE="only-managed") == "UV_PYTHON=unset", "the user's preference"
    assert chosen(os_version, UV_MANAGED_PYTHON="1") == "UV_PYTHON=unset", "the user's preference"
    (project / "elsewhere").mkdir()
    (project / "elsewhere" / "pyvenv.cfg").write_text("home = /opt/python/bin\n")
    assert chosen(os_version, UV_PROJECT_ENVIRONMENT="elsewhere") == "UV_PYTHON=unset", "an environment made"
    assert chosen(os_version) == f"UV_PYTHON=/usr/bin/python{os_version}", "its own environment not made yet"


def test_a_python3_without_venv_gets_one_line_naming_python3_venv(tmp_path):
    # Debian ships ensurepip, which venv needs to put pip in, in python3-venv: without it, no ensurepip.
    missing = tmp_path / "no-python3-venv"
    missing.mkdir()
    (missing / "ensurepip.py").write_text("raise ImportError('ensurepip is in python3-venv')\n")
    project, env = _project(tmp_path, {"python3": PEP_668_REFUSAL.format(python=sys.executable)})
    env["PYTHONPATH"] = str(missing)

    result = _setup(project, env)

    assert result.returncode == 1
    assert result.stderr.splitlines() == [VENV_LINE]
    assert not (project / ".tools").exists()


def test_neither_uv_nor_python3_gets_one_line(tmp_path):
    project, env = _project(tmp_path, {})

    result = _setup(project, env)

    assert result.returncode == 1
    assert result.stderr.splitlines() == [NO_PYTHON_LINE]


def test_node_without_npm_gets_the_same_one_line(tmp_path):
    project, env = _project(tmp_path, {"uv": LOGGING_STUB.format(name="uv"), "node": shutil.which("node")})

    result = _setup(project, env)

    assert result.returncode == 1
    assert result.stderr.splitlines() == [NPM_LINE]
    assert _calls(env) == ["uv sync --locked --quiet"]


def _engine_tree(project: Path, *, installed_version: str | None) -> None:
    """A package-lock.json pinning one package, and a node_modules as npm leaves it (or none)."""
    entry = {"version": "1.0.0", "resolved": "https://registry.npmjs.org/a/-/a-1.0.0.tgz", "integrity": "sha512-x"}
    root = {"name": "p", "dependencies": {"a": "1.0.0"}}
    lock = {"name": "p", "lockfileVersion": 3, "requires": True, "packages": {"": root, "node_modules/a": entry}}
    (project / "package-lock.json").write_text(json.dumps(lock))
    if installed_version is not None:
        (project / "node_modules" / "a").mkdir(parents=True)
        (project / "node_modules" / "a" / "package.json").write_text('{"name": "a"}')
        hidden = {**lock, "packages": {"node_modules/a": {**entry, "version": installed_version}}}
        (project / "node_modules" / ".package-lock.json").write_text(json.dumps(hidden))


def _with_npm(tmp_path: Path, installed_version: str | None) -> tuple[Path, dict[str, str]]:
    project, env = _project(
        tmp_path,
        {"uv": LOGGING_STUB.format(name="uv"), "npm": LOGGING_STUB.format(name="npm"), "node": shutil.which("node")},
    )
    _engine_tree(project, installed_version=installed_version)
    return project, env


def test_npm_ci_runs_only_when_node_modules_is_not_what_package_lock_pins(tmp_path):
    for case, installed_version, runs_npm_ci in [
        ("installed as pinned", "1.0.0", False),
        ("never installed", None, True),
        ("another version installed", "0.9.0", True),
    ]:
        project, env = _with_npm(tmp_path / case.replace(" ", "-"), installed_version)
        result = _setup(project, env)
        assert result.returncode == 0, (case, result.stderr)
        assert ("npm ci --no-audit --no-fund --loglevel=error" in _calls(env)) is runs_npm_ci, case


def test_a_package_folder_removed_since_the_install_means_npm_ci(tmp_path):
    project, env = _with_npm(tmp_path, "1.0.0")
    shutil.rmtree(project / "node_modules" / "a")

    assert _setup(project, env).returncode == 0
    assert "npm ci --no-audit --no-fund --loglevel=error" in _calls(env)


def test_the_checkouts_tree_as_npm_ci_left_it_reads_as_current():
    """The comparison holds for the files npm itself writes (scripts/test's setup ran npm ci when needed)."""
    check = subprocess.run(["node", "scripts/npm-installed.mjs"], cwd=PROJECT_DIR, check=False)
    assert check.returncode == 0, "node_modules is not what package-lock.json pins: run ./scripts/setup"
