"""The Procfile: the one list of a deployment's processes (web, engine, control).

`python scripts/procfile.py NAME` replaces itself with that process (the container image's
entry point); scripts/run.py reads the same list to start them all. A command may use
`${NAME}` or `${NAME:-default}` from the environment; the programs (`daphne`, `celery`,
`python`) are taken from this Python's environment.
"""

import os
import re
import shlex
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROCFILE = ROOT / "Procfile"
BIN = Path(sys.executable).parent
_VARIABLE = re.compile(r"\$\{(\w+)(?::-([^}]*))?\}")


def processes(path: Path = PROCFILE) -> dict[str, str]:
    """The Procfile's `name: command` lines, in order."""
    found: dict[str, str] = {}
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        name, sep, command = line.partition(":")
        if not sep or not re.fullmatch(r"[a-z][a-z0-9_-]*", name) or not command.strip():
            raise ValueError(f"{path.name}:{number}: expected `name: command`, got {line!r}")
        found[name] = command.strip()
    return found


def command_args(command: str, env: dict[str, str]) -> list[str]:
    """The command with its variables filled in and its program resolved, as an argv list."""
    expanded = _VARIABLE.sub(lambda m: env.get(m.group(1)) or (m.group(2) or ""), command)
    args = shlex.split(expanded)
    program = args[0]
    if program == "python":
        args[0] = sys.executable
    elif (BIN / program).exists():
        args[0] = str(BIN / program)
    else:
        args[0] = shutil.which(program) or program
    return args


def main(argv: list[str]) -> int:
    listed = processes()
    if len(argv) != 1 or argv[0] not in listed:
        print(f"usage: procfile.py {{{','.join(listed)}}}", file=sys.stderr)
        return 2
    args = command_args(listed[argv[0]], dict(os.environ))
    os.chdir(ROOT)
    os.execv(args[0], args)  # noqa: S606


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
