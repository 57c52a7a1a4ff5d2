"""Lint the JES Dockerfiles: hadolint's rules that matter here, plus the project's own.

    python scripts/k8s_dockerlint.py [Dockerfile ...]    (default: the root Dockerfile)

hadolint is a Haskell program and no registry this project may use ships it, so its
rules are re-implemented below (rule ids as in hadolint, so its documentation applies):

  DL3000 WORKDIR is absolute            DL3002 the last USER is not root
  DL3003 WORKDIR instead of `cd`        DL3004 no sudo
  DL3005 no apt-get upgrade             DL3006/DL3007 images tagged, never :latest
  DL3008 apt-get install pins versions  DL3009 apt lists removed in the same RUN
  DL3013 pip install pins versions      DL3014 apt-get install -y
  DL3015 --no-install-recommends        DL3020 COPY, not ADD, for files
  DL3022 COPY --from names a stage      DL3024 stage names are unique
  DL3025 CMD/ENTRYPOINT in JSON form    DL3042 pip install --no-cache-dir
  DL4000 no MAINTAINER                  DL4003/DL4004 one CMD / ENTRYPOINT
  DL4006 SHELL pipefail before piped RUNs

and the JES rules (JES1xx):

  JES100 every FROM is pinned by digest (@sha256:...), also through ARG defaults
  JES101 multi-stage: the final stage copies its software from earlier stages
  JES102 the final stage runs as a numeric non-root uid (USER 10001:10001)
  JES103 no compilers or build tools in the final stage (packages, pip, uv, go)
  JES104 Python dependencies come from uv.lock (`uv sync --frozen`)
  JES105 the gRPC code is generated at build time (scripts/gen_protos.py)
  JES106 gRPC images carry grpc_health_probe and a HEALTHCHECK that uses it (directly or
         through `jes health`); every image a HEALTHCHECK
  JES107 the final stage EXPOSEs its ports and has an ENTRYPOINT
  JES108 a root .dockerignore keeps .git, .venv, .cache, var and generated code out
  JES109 one Dockerfile: no module keeps its own copy (services/*/Dockerfile)

Packages an image gets through a build argument (`apt-get install ${DEB_PACKAGES}`) are
not visible here; scripts/k8s_validate.py checks the registry's values of that argument
(pinned, no build tools).
"""

from __future__ import annotations

import json
import re
import shlex
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DIGEST = re.compile(r"@sha256:[0-9a-f]{64}$")
BUILD_TOOLS = re.compile(
    r"^(gcc|g\+\+|cpp|clang|make|cmake|build-essential|golang(-go)?|rustc|cargo|"
    r"autoconf|automake|libtool|pkg-config|git|python3?-dev|.*-dev)(=.*)?$"
)
DOCKERIGNORE_MUST = [".git", ".venv", ".cache", "var", "libs/protos/src/jes"]


@dataclass
class Instruction:
    line: int
    keyword: str
    args: str
    flags: dict[str, str] = field(default_factory=dict)


@dataclass
class Stage:
    index: int
    image: str
    name: str
    line: int
    instructions: list[Instruction] = field(default_factory=list)


def parse(text: str) -> tuple[dict[str, str], list[Stage]]:
    """Global ARG defaults and the stages of a Dockerfile (continuations joined)."""
    logical: list[tuple[int, str]] = []
    buffer, start = "", 0
    for number, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.strip()
        if not buffer and (not stripped or stripped.startswith("#")):
            continue
        if buffer and stripped.startswith("#"):
            continue  # comment lines inside a continued instruction
        if not buffer:
            start = number
        if stripped.endswith("\\"):
            buffer += stripped[:-1] + " "
            continue
        logical.append((start, buffer + stripped))
        buffer = ""
    global_args: dict[str, str] = {}
    stages: list[Stage] = []
    for number, line in logical:
        keyword, _, rest = line.partition(" ")
        keyword = keyword.upper()
        flags = {}
        while rest.startswith("--"):
            flag, _, rest = rest.partition(" ")
            name, _, value = flag[2:].partition("=")
            flags[name] = value
            rest = rest.lstrip()
        if keyword == "FROM":
            parts = rest.split()
            name = parts[2] if len(parts) >= 3 and parts[1].upper() == "AS" else ""
            stages.append(Stage(len(stages), parts[0], name, number))
            continue
        if not stages:
            if keyword == "ARG":
                key, _, value = rest.partition("=")
                global_args[key.strip()] = value.strip().strip('"')
            continue
        stages[-1].instructions.append(Instruction(number, keyword, rest.strip(), flags))
    return global_args, stages


def expand(value: str, args: dict[str, str]) -> str:
    return re.sub(
        r"\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?", lambda m: args.get(m.group(1), m.group(0)), value
    )


def is_json_array(args: str) -> bool:
    try:
        return isinstance(json.loads(args), list)
    except ValueError:
        return False


def apt_packages(command: str) -> list[str]:
    match = re.search(r"apt-get\s+install\s+(.*?)(?:&&|;|\||$)", command)
    if not match:
        return []
    return [word for word in shlex.split(match.group(1)) if not word.startswith("-")]


def pip_requirements(arguments: str) -> list[str]:
    """The packages named on a pip install command line (none with -r: a file pins them)."""
    words = shlex.split(arguments)
    if {"-r", "--requirement"} & set(words):
        return []
    with_value = {"-c", "--constraint", "-i", "--index-url", "--extra-index-url", "--target"}
    names, skip = [], False
    for word in words:
        if skip:
            skip = False
        elif word in with_value:
            skip = True
        elif not word.startswith("-"):
            names.append(word)
    return names


def lint(path: Path) -> list[str]:
    problems: list[str] = []
    rel = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path

    def report(line: int, rule: str, message: str) -> None:
        problems.append(f"{rel}:{line}: {rule} {message}")

    global_args, stages = parse(path.read_text())
    if not stages:
        return [f"{rel}: no FROM"]
    names: set[str] = set()
    for stage in stages:
        image = expand(stage.image, global_args)
        if stage.image.lower() not in names:
            if not DIGEST.search(image):
                report(
                    stage.line, "JES100", f"base image {image!r} is not pinned by @sha256 digest"
                )
            if ":" not in image.split("@")[0].rsplit("/", 1)[-1]:
                report(stage.line, "DL3006", f"base image {image!r} has no tag")
            if image.split("@")[0].endswith(":latest"):
                report(stage.line, "DL3007", "do not use the latest tag")
        if stage.name:
            if stage.name.lower() in names:
                report(stage.line, "DL3024", f"stage name {stage.name!r} is used twice")
            names.add(stage.name.lower())
        pipefail = False
        cmds = entrypoints = 0
        for ins in stage.instructions:
            keyword, args = ins.keyword, ins.args
            if keyword == "SHELL":
                pipefail = is_json_array(args) and "pipefail" in json.loads(args)
            elif keyword == "MAINTAINER":
                report(ins.line, "DL4000", "MAINTAINER is deprecated, use LABEL")
            elif keyword == "WORKDIR" and not args.startswith(("/", "$")):
                report(ins.line, "DL3000", "WORKDIR must be absolute")
            elif keyword == "ADD" and not re.search(r"https?://", args):
                report(ins.line, "DL3020", "use COPY for files and folders")
            elif keyword == "COPY" and "from" in ins.flags:
                source = ins.flags["from"].lower()
                if source not in names and not source.isdigit():
                    report(ins.line, "DL3022", f"COPY --from={source} is not an earlier stage")
            elif keyword in ("CMD", "ENTRYPOINT"):
                if not is_json_array(args):
                    report(ins.line, "DL3025", f"{keyword} must use the JSON (exec) form")
                cmds += keyword == "CMD"
                entrypoints += keyword == "ENTRYPOINT"
            elif keyword == "RUN":
                if "|" in re.sub(r"\|\|", "", args) and not pipefail:
                    report(
                        ins.line, "DL4006", "set SHELL with -o pipefail before a RUN with a pipe"
                    )
                if re.search(r"(^|&&|;)\s*cd\s", args):
                    report(ins.line, "DL3003", "use WORKDIR to change folders")
                if re.search(r"\bsudo\b", args):
                    report(ins.line, "DL3004", "do not use sudo")
                if re.search(r"apt-get\s+(dist-)?upgrade", args):
                    report(ins.line, "DL3005", "do not apt-get upgrade")
                if re.search(r"apt-get\s+install", args):
                    if not re.search(r"apt-get\s+install\s+.*(-y\b|--yes|--assume-yes)", args):
                        report(ins.line, "DL3014", "apt-get install needs -y")
                    if "--no-install-recommends" not in args:
                        report(ins.line, "DL3015", "apt-get install needs --no-install-recommends")
                    if "rm -rf /var/lib/apt/lists" not in args:
                        report(ins.line, "DL3009", "remove /var/lib/apt/lists in the same RUN")
                    for package in apt_packages(args):
                        if "=" not in package and not package.startswith("$"):
                            report(ins.line, "DL3008", f"pin the version of {package}")
                for pip in re.finditer(r"(?<!uv )\bpip3?\s+install\s+(.*?)(?:&&|;|$)", args):
                    if "--no-cache-dir" not in pip.group(1):
                        report(ins.line, "DL3042", "pip install needs --no-cache-dir")
                    for word in pip_requirements(pip.group(1)):
                        if "==" not in word:
                            report(ins.line, "DL3013", f"pin the version of {word}")
        if cmds > 1:
            report(stage.line, "DL4003", "more than one CMD")
        if entrypoints > 1:
            report(stage.line, "DL4004", "more than one ENTRYPOINT")

    final = stages[-1]
    body = "\n".join(f"{i.keyword} {i.args}" for i in final.instructions)
    build = "\n".join(f"{i.keyword} {i.args}" for s in stages[:-1] for i in s.instructions)
    if len(stages) < 2 or not any(
        "from" in i.flags for i in final.instructions if i.keyword == "COPY"
    ):
        report(
            final.line,
            "JES101",
            "use a multi-stage build: the final stage copies from a build stage",
        )
    users = [i for i in final.instructions if i.keyword == "USER"]
    if not users:
        report(final.line, "DL3002", "the final stage has no USER (runs as root)")
    else:
        user = users[-1].args.split(":")[0]
        if not user.isdigit():
            report(users[-1].line, "JES102", f"USER {users[-1].args}: use a numeric uid")
        elif user == "0":
            report(users[-1].line, "DL3002", "the last USER is root")
    for ins in final.instructions:
        if ins.keyword != "RUN":
            continue
        for package in apt_packages(ins.args):
            if BUILD_TOOLS.match(package):
                report(ins.line, "JES103", f"build tool {package} in the final stage")
        if re.search(r"\b(pip3?|uv)\s+(install|sync|pip)\b|\bgo\s+(build|install)\b", ins.args):
            report(ins.line, "JES103", "install software in a build stage, not the final one")
    if final.image.lower() in names or re.search(
        r"golang|-dev\b|buildpack", expand(final.image, global_args)
    ):
        report(final.line, "JES103", f"final base {final.image} is a build image")
    if not re.search(r"uv sync[^\n]*--frozen", build):
        report(
            final.line,
            "JES104",
            "install the Python dependencies with `uv sync --frozen` (uv.lock)",
        )
    if "scripts/gen_protos.py" not in build:
        report(final.line, "JES105", "generate the gRPC code at build time (scripts/gen_protos.py)")
    healthchecks = [i for i in final.instructions if i.keyword == "HEALTHCHECK"]
    if not healthchecks:
        report(final.line, "JES106", "the final stage has no HEALTHCHECK")
    grpc = "JES_GRPC_PORT" in body
    probe_copied = any(
        i.keyword == "COPY"
        and "from" in i.flags
        and i.args.endswith(" /usr/local/bin/grpc_health_probe")
        for i in final.instructions
    )
    if grpc and not probe_copied:
        report(final.line, "JES106", "copy grpc_health_probe to /usr/local/bin in the final stage")
    health_command = healthchecks[-1].args if healthchecks else ""
    uses_probe = "grpc_health_probe" in health_command or re.search(
        r'"jes",\s*"health"', health_command
    )
    if grpc and healthchecks and not uses_probe:
        report(
            healthchecks[-1].line,
            "JES106",
            "the HEALTHCHECK of a gRPC image uses grpc_health_probe (or `jes health`)",
        )
    if not any(i.keyword == "EXPOSE" for i in final.instructions):
        report(final.line, "JES107", "EXPOSE the ports")
    if not any(i.keyword == "ENTRYPOINT" for i in final.instructions):
        report(final.line, "JES107", "set an ENTRYPOINT")
    return problems


def lint_dockerignore(path: Path) -> list[str]:
    if not path.exists():
        return [f"{path.name}: JES108 missing (the build context would include .git, .venv, ...)"]
    entries = {line.strip().rstrip("/") for line in path.read_text().splitlines()}
    return [
        f"{path.name}: JES108 does not exclude {entry}"
        for entry in DOCKERIGNORE_MUST
        if entry not in entries
    ]


def dockerfiles() -> list[Path]:
    """The one Dockerfile every image is built from (build argument TARGET)."""
    return [ROOT / "Dockerfile"]


def lint_copies() -> list[str]:
    """JES109: a module's own Dockerfile would drift from the shared one."""
    return [
        f"{path.relative_to(ROOT)}: JES109 build every image from the root Dockerfile "
        "(--build-arg TARGET=<module>) instead of a copy"
        for path in sorted((ROOT / "services").glob("*/Dockerfile"))
    ]


def main(argv: list[str] | None = None) -> int:
    paths = [
        Path(p).resolve() for p in (argv if argv is not None else sys.argv[1:])
    ] or dockerfiles()
    problems = lint_dockerignore(ROOT / ".dockerignore") + lint_copies()
    for path in paths:
        problems += lint(path)
    for problem in problems:
        print(problem)
    print(f"dockerfiles: {len(paths)} linted, {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
