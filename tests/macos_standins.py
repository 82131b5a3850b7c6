"""Stand-ins for the macOS tools the Run As script's macOS branch calls, for a test on Linux.

Each tool knows only the forms of each command the script (or SSM Agent, for ``id``) may use, as macOS
documents them; any other form is a mistake: it is recorded as such and the command fails. Directory Services
(users, groups, attributes), pwpolicy's account state and pf's running rules live in a JSON state file; every
call is appended to a log.

One stand-in process serves every call of a run (``serve``, started with ``-S -I``: no site packages are
needed): a Python process started per call cost ~44 ms a call, and a converge makes dozens. Each tool on
PATH is a small bash stub (``stub``) that sends its arguments to the server and exits with the status the
server answers; the server writes the tool's output to the stub's own stdout and stderr (``/proc/PID/fd``),
so a caller that pipes, captures or discards a tool's output sees what the tool prints, as it would see the
real tool's. (Sent to a regular file, it would not move the caller's own write position: the script sends no
stand-in's output to one.) The server runs in the caller's namespace, so paths (``/etc/pf.conf``) mean to it
what they mean to the caller.

Processes are the real ones of the test's namespace: the script ends them with perl and ps, which do the same
on both systems (kill(2) of pid -1 as the user, ``ps -U``).

pf decides only by what the running ruleset evaluates, as pf does: the main ruleset (what ``pfctl -f
/etc/pf.conf`` loaded, as macOS does at boot), the anchors it names, and for ``anchor "name/*"`` each anchor
directly beneath ``name`` (pf.conf(5), ANCHORS). Rules in an anchor nothing evaluates decide nothing
(``refused``).

    python -S -I macos_standins.py SERVER state.json calls.jsonl & PATH=<stubs>:$PATH bash script.sh
"""

from __future__ import annotations

import io
import json
import os
import re
import shlex
import shutil
import sys
import traceback
from contextlib import redirect_stderr, redirect_stdout
from datetime import UTC, datetime
from pathlib import Path

WRONG = 64


def wrong(tool: str, args: list[str]) -> int:
    with Path(os.environ["STANDIN_LOG"]).open("a") as log:
        log.write(json.dumps({"tool": tool, "args": args, "wrong": True}) + "\n")
    print(f"{tool}: a call macOS would not take this way: {args}", file=sys.stderr)
    return WRONG


def dscl(state: dict, args: list[str]) -> int:
    users = state["users"]
    match args:
        case [".", "-list", "/Users", "UniqueID"]:
            for name, user in sorted(users.items()):
                print(f"{name} {user['UniqueID']}")
        case [".", "-list", "/Users", "RealName"]:
            for name, user in sorted(users.items()):
                print(f"{name} {user.get('RealName', name)}")
        case [".", "-list", "/Groups", "GroupMembership"]:
            for name, members in sorted(state["groups"].items()):
                print(" ".join([name, *members]))
        case [".", "-create", path] if path.startswith("/Users/"):
            users.setdefault(path.removeprefix("/Users/"), {})
        case [".", "-create", path, key, value] if path.startswith("/Users/"):
            name = path.removeprefix("/Users/")
            if name not in users:
                return wrong("dscl", args)
            users[name][key] = value
        case [".", "-read", path, "NFSHomeDirectory"] if path.removeprefix("/Users/") in users:
            print(f"NFSHomeDirectory: {users[path.removeprefix('/Users/')]['NFSHomeDirectory']}")
        case [".", "-delete", path] if path.removeprefix("/Users/") in users:
            del users[path.removeprefix("/Users/")]
        case [".", "-read", path, *attribute] if path.startswith("/Groups/") and attribute in ([], ["GroupMembership"]):
            group = state["groups"].get(path.removeprefix("/Groups/"))
            if group is None:
                print("<dscl_cmd> DS Error: -14136 (eDSRecordNotFound)", file=sys.stderr)
                return 56
            print(f"GroupMembership: {' '.join(group)}" if attribute else f"RecordName: {path}")
        case _:
            return wrong("dscl", args)
    return 0


def dseditgroup(state: dict, args: list[str]) -> int:
    groups = state["groups"]
    match args:
        case ["-o", "edit", "-a", user, "-t", "user", group] if group in groups:
            if user not in groups[group]:
                groups[group].append(user)
        case ["-o", "edit", "-d", user, "-t", "user", group] if group in groups:
            groups[group] = [m for m in groups[group] if m != user]
        case ["-o", "create", group] if group not in groups:
            groups[group] = []
            state["group_ids"][group] = str(max(int(g) for g in state["group_ids"].values()) + 1)
        case _:
            return wrong("dseditgroup", args)
    return 0


def createhomedir(state: dict, args: list[str]) -> int:
    """Makes the user's home (its NFSHomeDirectory), owned by the user and its primary group."""
    if args[:2] != ["-c", "-u"] or len(args) != 3 or args[2] not in state["users"]:
        return wrong("createhomedir", args)
    user = state["users"][args[2]]
    home = Path(user["NFSHomeDirectory"])
    home.mkdir(parents=True, exist_ok=True)
    shutil.chown(home, int(user["UniqueID"]), int(user["PrimaryGroupID"]))
    return 0


def pwpolicy(state: dict, args: list[str]) -> int:
    match args:
        case ["-u", user, ("disableuser" | "enableuser") as change] if user in state["users"]:
            state["disabled"] = sorted(set(state["disabled"]) - {user} | ({user} if change == "disableuser" else set()))
        case _:
            return wrong("pwpolicy", args)
    return 0


def pfctl(state: dict, args: list[str]) -> int:
    """``-E`` enables pf; ``-f FILE`` loads FILE as the main ruleset (its ``load anchor`` lines load those
    anchors), or with ``-a NAME`` as the rules of anchor NAME; ``-E`` may come with either."""
    enable, anchor, path, rest = False, None, None, list(args)
    while rest:
        match rest:
            case ["-E", *rest]:
                enable = True
            case ["-a", name, *rest]:
                anchor = name
            case ["-f", name, *rest]:
                path = name
            case _:
                return wrong("pfctl", args)
    if (anchor is not None and path is None) or not (enable or path):
        return wrong("pfctl", args)
    if path is not None:
        text = Path(path).read_text()
        if anchor is not None:
            state["pf"]["anchors"][anchor] = text
        else:
            # The main ruleset is replaced, with the anchors it loads; other anchors keep their rules.
            state["pf"]["main"] = text
            for name, source in re.findall(r'^load anchor "([^"]+)" from "([^"]+)"', text, re.MULTILINE):
                state["pf"]["anchors"][name] = Path(source).read_text()
    if enable:
        state["pf"]["enabled"] = True
    return 0


BLOCK = re.compile(r"block return out quick inet6? proto \{ tcp udp \} from any to (\S+) user \{ ([\d, ]*) \}")
ANCHOR = re.compile(r'anchor "([^"]+)"')


def refused(pf: dict, uid: int, address: str) -> bool:
    """Whether the running ruleset blocks a socket of ``uid`` to ``address``: only rules pf evaluates count."""

    def evaluates(rules: str, path: str) -> bool:
        for line in rules.splitlines():
            if block := BLOCK.fullmatch(line.strip()):
                if block[1] == address and str(uid) in [u.strip() for u in block[2].split(",")]:
                    return True
            elif anchor := ANCHOR.fullmatch(line.strip()):
                name = f"{path}/{anchor[1]}" if path else anchor[1]
                if name.endswith("/*"):
                    children = sorted(a for a in pf["anchors"] if a.rpartition("/")[0] == name.removesuffix("/*"))
                else:
                    children = [name] if name in pf["anchors"] else []
                if any(evaluates(pf["anchors"][child], child) for child in children):
                    return True
        return False

    return pf["enabled"] and evaluates(pf["main"], "")


def id_(state: dict, args: list[str]) -> int:
    """``id -u USER``, ``id -g USER``, and ``id USER`` (which SSM Agent reads: ``uid=... gid=... groups=...``)."""
    match args:
        case ["-u" | "-g" as form, name]:
            pass
        case [name] if not name.startswith("-"):
            form = None
        case _:
            return wrong("id", args)
    user = state["users"].get(name)
    if user is None or "UniqueID" not in user:
        print(f"id: {name}: no such user", file=sys.stderr)
        return 1
    gid = user.get("PrimaryGroupID", "20")
    if form == "-u":
        print(user["UniqueID"])
    elif form == "-g":
        print(gid)
    else:
        names = {number: group for group, number in state["group_ids"].items()}
        member_of = [state["group_ids"][group] for group, members in sorted(state["groups"].items()) if name in members]
        listed = ",".join(f"{number}({names.get(number, number)})" for number in dict.fromkeys([gid, *member_of]))
        print(f"uid={user['UniqueID']}({name}) gid={gid}({names.get(gid, gid)}) groups={listed}")
    return 0


def sudo(state: dict, args: list[str]) -> int:
    if args[:3] != ["--non-interactive", "--list", "--other-user"] or len(args) != 4:
        return wrong("sudo", args)
    return 1  # no sudo rule names the user


def uname(state: dict, args: list[str]) -> int:
    if args != ["-s"]:
        return wrong("uname", args)
    print("Darwin")
    return 0


def date(state: dict, args: list[str]) -> int:
    """BSD date: ``-u +%s`` for now, ``-u -j -f FORMAT VALUE +%s`` to parse without setting the clock, and
    ``-u +FORMAT`` for the time in a name."""
    match args:
        case ["-u", "+%s"]:
            print(int(datetime.now(UTC).timestamp()))
        case ["-u", "-j", "-f", "%Y-%m-%dT%H:%M:%SZ", value, "+%s"]:
            print(int(datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC).timestamp()))
        case ["-u", format] if format.startswith("+"):
            print(datetime.now(UTC).strftime(format.removeprefix("+")))
        case _:
            return wrong("date", args)
    return 0


TOOLS = {
    "dscl": dscl,
    "dseditgroup": dseditgroup,
    "createhomedir": createhomedir,
    "pwpolicy": pwpolicy,
    "pfctl": pfctl,
    "id": id_,
    "sudo": sudo,
    "uname": uname,
    "date": date,
}


FIFOS = ("turn", "requests", "replies")
"""Through which the stubs talk to the server: the one byte whose holder may call (so that each answer is its
caller's), the calls, and the answers."""


def stub(tool: str, server: Path) -> str:
    """The executable that stands in for ``tool``: it takes the turn, sends ``PID CWD TOOL N ARGS...``
    (NUL-separated) to the server at ``server``, hands the turn on and exits with the status the server
    answered. Only builtins run (a lock taken with flock(1) cost a process a call); a stub that gets no turn
    or no answer fails after a minute rather than hang the test."""
    turn, requests, replies = (shlex.quote(str(server / fifo)) for fifo in FIFOS)
    no_server = f'{{ echo "{tool}: no answer from the stand-in server" >&2; exit 70; }}'
    return (
        "#!/bin/bash\n"
        # The server writes to fds 3 and 4, the stub's stdout and stderr: fd 1 is the FIFO while printf runs.
        f"exec 3>&1 4>&2 5<>{turn} 6<>{requests} 7<>{replies} || exit 70\n"
        f"read -r -n 1 -t 60 _ <&5 || {no_server}\n"
        f'printf \'%s\\0\' "$$" "$PWD" {tool} "$#" "$@" >&6\n'
        f"read -r -t 60 status <&7 || {no_server}\n"
        "printf t >&5\n"
        'exit "$status"\n'
    )


def make_server(server: Path) -> None:
    """The FIFOs through which the stubs talk to a server at ``server``."""
    server.mkdir()
    for fifo in FIFOS:
        os.mkfifo(server / fifo)


def answer(state: dict, state_file: Path, log_file: Path, pid: str, cwd: str, tool: str, args: list[str]) -> int:
    """Runs one call as its process would: in its working directory, its output to its stdout and stderr (a
    stdout no one reads any more ends a process with SIGPIPE: status 141). The state is saved before the
    answer, since the run may end the server any time after."""
    with log_file.open("a") as log:
        log.write(json.dumps({"tool": tool, "args": args}) + "\n")
    os.chdir(cwd)
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        try:
            status = TOOLS[tool](state, args)
        except Exception:  # as a Python tool that raised would end: a traceback, and status 1
            traceback.print_exc()
            status = 1
    state_file.write_text(json.dumps(state, indent=1, sort_keys=True))
    for fd, text in ((3, out.getvalue()), (4, err.getvalue())):  # the stub's stdout and stderr (``stub``)
        if text and not write_to(f"/proc/{pid}/fd/{fd}", text) and fd == 3:
            status = 141
    return status


def write_to(stream: str, text: str) -> bool:
    """Writes ``text`` to ``stream`` (one of a process's open files), or returns False: a pipe no one reads any
    more (whose open, blocking, would wait for a reader for ever). A stream the caller closed takes nothing."""
    try:
        fd = os.open(stream, os.O_WRONLY | os.O_APPEND | os.O_NONBLOCK)
    except FileNotFoundError:
        return True
    except OSError:  # ENXIO: a pipe without a reader
        return False
    os.set_blocking(fd, True)
    try:
        with open(fd, "w") as file:
            file.write(text)
    except BrokenPipeError:
        return False
    return True


def serve(server: Path, state_file: Path, log_file: Path) -> None:
    """Answers the stubs' calls, one at a time, until the run ends this process."""
    os.environ["STANDIN_LOG"] = str(log_file)  # where ``wrong`` records a call macOS would not take
    state = json.loads(state_file.read_text())
    # Opened for reading and writing, so no open waits for a stub, nor does a stub's leaving end them.
    turn, requests, replies = (os.open(server / fifo, os.O_RDWR) for fifo in FIFOS)
    os.write(turn, b"t")  # the first stub's turn
    fields: list[str] = []
    unread = b""
    while True:
        *done, unread = (unread + os.read(requests, 65536)).split(b"\0")
        fields += [field.decode(errors="surrogateescape") for field in done]
        while len(fields) >= 4 and len(fields) >= 4 + int(fields[3]):  # a whole call has come
            pid, cwd, tool, count = fields[:4]
            args, fields = fields[4 : 4 + int(count)], fields[4 + int(count) :]
            status = answer(state, state_file, log_file, pid, cwd, tool, args)
            os.write(replies, f"{status}\n".encode())


if __name__ == "__main__":
    serve(*map(Path, sys.argv[1:4]))
