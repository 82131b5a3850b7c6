"""Stand-ins for the macOS tools the Run As script's macOS branch calls, for a test on Linux.

Each tool is a two-line wrapper that runs this file with the tool's name first. It knows only the
forms of each command the script (or SSM Agent, for ``id``) may use, as macOS documents them; any other form
is a mistake: it is recorded as such and the command fails. Directory Services (users, groups, attributes),
pwpolicy's account state and pf's running rules live in a JSON state file; every call is appended to a log.
Processes are the real ones of the test's namespace: the script ends them with perl and ps, which do the same
on both systems (kill(2) of pid -1 as the user, ``ps -U``).

pf decides only by what the running ruleset evaluates, as pf does: the main ruleset (what ``pfctl -f
/etc/pf.conf`` loaded, as macOS does at boot), the anchors it names, and for ``anchor "name/*"`` each anchor
directly beneath ``name`` (pf.conf(5), ANCHORS). Rules in an anchor nothing evaluates decide nothing
(``refused``).

    STANDIN_STATE=state.json STANDIN_LOG=calls.jsonl PATH=<wrappers>:$PATH bash script.sh
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
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


def main() -> int:
    tool, args = sys.argv[1], sys.argv[2:]
    state_file = Path(os.environ["STANDIN_STATE"])
    state = json.loads(state_file.read_text())
    with Path(os.environ["STANDIN_LOG"]).open("a") as log:
        log.write(json.dumps({"tool": tool, "args": args}) + "\n")
    status = TOOLS[tool](state, args)
    state_file.write_text(json.dumps(state, indent=1, sort_keys=True))
    return status


if __name__ == "__main__":
    sys.exit(main())
