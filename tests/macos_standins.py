"""Stand-ins for the macOS tools the Run As script's macOS branch calls, for a test on Linux.

Each tool is a two-line wrapper that runs this file with the tool's name first. It knows only the
forms of each command the script may use, as macOS documents them; any other form is a mistake: it is
recorded as such and the command fails. Directory Services (users, groups, attributes), pwpolicy's
account state and the running processes live in a JSON state file; every call is appended to a log.

    STANDIN_STATE=state.json STANDIN_LOG=calls.jsonl PATH=<wrappers>:$PATH bash script.sh
"""

from __future__ import annotations

import json
import os
import sys
from datetime import UTC, datetime
from pathlib import Path

STATE = Path(os.environ["STANDIN_STATE"])
LOG = Path(os.environ["STANDIN_LOG"])
WRONG = 64


def load() -> dict:
    return json.loads(STATE.read_text())


def save(state: dict) -> None:
    STATE.write_text(json.dumps(state, indent=1, sort_keys=True))


def wrong(tool: str, args: list[str]) -> int:
    with LOG.open("a") as log:
        log.write(json.dumps({"tool": tool, "args": args, "wrong": True}) + "\n")
    print(f"{tool}: a call macOS would not take this way: {args}", file=sys.stderr)
    return WRONG


def dscl(state: dict, args: list[str]) -> int:
    match args:
        case [".", "-list", "/Users", "UniqueID"]:
            for name, user in sorted(state["users"].items()):
                print(f"{name} {user['UniqueID']}")
        case [".", "-create", path] if path.startswith("/Users/"):
            state["users"].setdefault(path.removeprefix("/Users/"), {})
        case [".", "-create", path, key, value] if path.startswith("/Users/"):
            name = path.removeprefix("/Users/")
            if name not in state["users"]:
                return wrong("dscl", args)
            state["users"][name][key] = value
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
    match args:
        case ["-o", "checkmember", "-m", user, group]:
            member = user in state["groups"].get(group, [])
            print(f"{'yes' if member else 'no'} {user} is {'' if member else 'NOT '}a member of {group}")
            return 0 if member else 1
        case ["-o", "edit", "-a", user, "-t", "user", group] if group in state["groups"]:
            if user not in state["groups"][group]:
                state["groups"][group].append(user)
        case ["-o", "edit", "-d", user, "-t", "user", group] if group in state["groups"]:
            state["groups"][group] = [m for m in state["groups"][group] if m != user]
        case ["-o", "create", group] if group not in state["groups"]:
            state["groups"][group] = []
        case _:
            return wrong("dseditgroup", args)
    return 0


def createhomedir(state: dict, args: list[str]) -> int:
    if args[:2] != ["-c", "-u"] or len(args) != 3 or args[2] not in state["users"]:
        return wrong("createhomedir", args)
    state["homes"].append(args[2])
    return 0


def pwpolicy(state: dict, args: list[str]) -> int:
    match args:
        case ["-u", user, ("disableuser" | "enableuser") as change] if user in state["users"]:
            state["disabled"] = sorted(set(state["disabled"]) - {user} | ({user} if change == "disableuser" else set()))
        case _:
            return wrong("pwpolicy", args)
    return 0


def pfctl(state: dict, args: list[str]) -> int:
    match args:
        case ["-a", anchor, "-f", path]:
            state["pf"]["anchors"][anchor] = Path(path).read_text()
        case ["-E"]:
            state["pf"]["enabled"] = True
        case _:
            return wrong("pfctl", args)
    return 0


def pkill(state: dict, args: list[str]) -> int:
    if args[:2] != ["-KILL", "-u"] or len(args) != 3:
        return wrong("pkill", args)
    return 0 if state["processes"].pop(args[2], 0) else 1


def id_(state: dict, args: list[str]) -> int:
    if args[:1] != ["-u"] or len(args) != 2:
        return wrong("id", args)
    user = state["users"].get(args[1])
    if user is None or "UniqueID" not in user:
        print(f"id: {args[1]}: no such user", file=sys.stderr)
        return 1
    print(user["UniqueID"])
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
    """BSD date: ``-u +%s`` for now, ``-u -j -f FORMAT VALUE +%s`` to parse without setting the clock."""
    match args:
        case ["-u", "+%s"]:
            print(int(datetime.now(UTC).timestamp()))
        case ["-u", "-j", "-f", "%Y-%m-%dT%H:%M:%SZ", value, "+%s"]:
            print(int(datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC).timestamp()))
        case _:
            return wrong("date", args)
    return 0


TOOLS = {
    "dscl": dscl,
    "dseditgroup": dseditgroup,
    "createhomedir": createhomedir,
    "pwpolicy": pwpolicy,
    "pfctl": pfctl,
    "pkill": pkill,
    "id": id_,
    "sudo": sudo,
    "uname": uname,
    "date": date,
}


def main() -> int:
    tool, args = sys.argv[1], sys.argv[2:]
    state = load()
    with LOG.open("a") as log:
        log.write(json.dumps({"tool": tool, "args": args}) + "\n")
    status = TOOLS[tool](state, args)
    save(state)
    return status


if __name__ == "__main__":
    sys.exit(main())
