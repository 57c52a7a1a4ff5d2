"""The registry as text: `jes graph`, the README's architecture table, and its check."""

from __future__ import annotations

from collections.abc import Sequence

from jes_platform.registry import Module, callers_of, dependencies, start_order, targets

# The README's architecture table sits between these lines; `make k8s-validate` compares it
# with markdown_table() (regenerate it with `jes graph --format=markdown`).
TABLE_BEGIN = (
    "<!-- module-graph: begin (jes graph --format=markdown; make k8s-validate checks it) -->"
)
TABLE_END = "<!-- module-graph: end -->"
COLUMNS = ("component", "owns", "calls (gRPC)", "consumes", "emits")
NONE = "—"


def _names(items: Sequence[str]) -> str:
    return ", ".join(items) or NONE


def _topics(items: Sequence[str]) -> str:
    return ", ".join(f"`{t}`" for t in items) or NONE


def rows(modules: Sequence[Module]) -> list[tuple[str, ...]]:
    return [
        (
            f"`services/{m.name}`",
            m.owns,
            _names(m.calls),
            _topics(m.consumes),
            _topics(m.emits),
        )
        for m in modules
    ]


def markdown_table(modules: Sequence[Module]) -> str:
    lines = [TABLE_BEGIN, "| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    lines += ["| " + " | ".join(row) + " |" for row in rows(modules)]
    lines.append(TABLE_END)
    return "\n".join(lines)


def parse_markdown_table(text: str) -> list[tuple[str, ...]] | None:
    """The rows of the generated table in a document (None when its markers are missing)."""
    if TABLE_BEGIN not in text or TABLE_END not in text:
        return None
    body = text.split(TABLE_BEGIN, 1)[1].split(TABLE_END, 1)[0]
    lines = [line.strip() for line in body.strip().splitlines() if line.strip()]
    return [
        tuple(cell.strip() for cell in line.strip("|").split(" | "))
        for line in lines[2:]  # header and rule
    ]


def table_differences(text: str, modules: Sequence[Module]) -> list[str]:
    """How a document's architecture table differs from the registry, one sentence each."""
    found = parse_markdown_table(text)
    if found is None:
        return ["no architecture table: add the output of `jes graph --format=markdown`"]
    expected = rows(modules)
    by_component = {row[0]: row for row in found}
    problems = []
    for row in expected:
        have = by_component.get(row[0])
        if have is None:
            problems.append(f"row {row[0]} is missing")
            continue
        for column, want, got in zip(COLUMNS[1:], row[1:], have[1:], strict=False):
            if want != got:
                problems.append(f"{row[0]} {column}: the table says {got!r}, the registry {want!r}")
        if len(have) != len(COLUMNS):
            problems.append(f"{row[0]}: {len(have)} columns, expected {len(COLUMNS)}")
    known = {row[0] for row in expected}
    problems += [f"row {c} is not a module of the registry" for c in by_component if c not in known]
    if not problems and [r[0] for r in found] != [r[0] for r in expected]:
        problems.append("the rows are not in the registry's order")
    return problems


def as_dict(modules: Sequence[Module]) -> dict[str, object]:
    return {
        "modules": [
            {
                "name": m.name,
                "kind": m.kind,
                "app": m.app,
                "owns": m.owns,
                "calls": list(m.calls),
                "consumes": list(m.consumes),
                "emits": list(m.emits),
                "called_by": list(callers_of(m.name, modules)),
                "debian_packages": list(m.debian_packages),
                "dev_mode_hooks": list(m.dev_mode_hooks),
            }
            for m in modules
        ],
        "targets": {name: list(selected) for name, selected in targets(modules).items()},
        "start_order": [m.name for m in start_order([m.name for m in modules], modules)],
    }


def text(modules: Sequence[Module]) -> str:
    lines = []
    for m in start_order([m.name for m in modules], modules):
        lines.append(f"{m.name} ({m.kind}, {m.app})")
        lines.append(f"  calls:      {_names(m.calls)}")
        lines.append(f"  called by:  {_names(callers_of(m.name, modules))}")
        lines.append(f"  consumes:   {_names(m.consumes)}")
        lines.append(f"  emits:      {_names(m.emits)}")
        lines.append(f"  starts after: {_names(dependencies(m, modules))}")
        if m.debian_packages:
            lines.append(f"  image adds: {' '.join(m.debian_packages)}")
        if m.dev_mode_hooks:
            lines.append(f"  development mode: {', '.join(m.dev_mode_hooks)}")
    lines.append("")
    lines.append("targets: " + ", ".join(targets(modules)))
    lines.append(
        "start order (all): "
        + " -> ".join(m.name for m in start_order([m.name for m in modules], modules))
    )
    return "\n".join(lines)
