"""The JES modules, what each one calls and consumes, and the targets that select them.

This is the one declared module graph. The charts' `networkPolicy.allowedCallers`, the
README's architecture table and the image build arguments are checked against it
(`make k8s-validate`), and `jes run` starts modules in the order it gives.
Nothing here imports a service: a module names its app module as a string.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

__all__ = [
    "MODULES",
    "Module",
    "RegistryError",
    "callers_of",
    "declared_callers_of",
    "module",
    "resolve",
    "start_order",
    "targets",
    "topic",
]

Kind = Literal["service", "gateway"]


def topic(service: str) -> str:
    """The event topic a service's outbox publishes to (jes_servicekit.topic_of)."""
    return f"jes.{service}.events"


@dataclass(frozen=True)
class Module:
    """One deployable part of JES: its own image, chart and `jes run --target`."""

    name: str
    kind: Kind
    app: (
        str  # the module whose `build(config)` (service) or `create_app(config)` (gateway) makes it
    )
    owns: str  # what it is responsible for, one line (the README's architecture table)
    calls: tuple[str, ...] = ()  # modules it calls over gRPC
    consumes: tuple[str, ...] = ()  # event topics it consumes
    emits: tuple[str, ...] = ()  # event topics it publishes (its outbox)
    # Debian packages its image adds, pinned for the base image (Debian bookworm)
    debian_packages: tuple[str, ...] = ()
    # "package.module:function" called with the started module in development mode only
    # (`jes run --dev`); returns lines for the welcome text
    dev_mode_hooks: tuple[str, ...] = ()

    @property
    def package(self) -> str:
        """The workspace package (uv) that holds it."""
        return f"jes-{self.name}"

    @property
    def python_package(self) -> str:
        return self.app.split(".", 1)[0]

    @property
    def debian_names(self) -> tuple[str, ...]:
        """The Debian packages without their version pins."""
        return tuple(p.split("=", 1)[0] for p in self.debian_packages)


# Every service gets its JWKS from identity (jes_servicekit), so every service calls
# identity; the rest is read from each app.py and the gateway's backends, and checked
# against the callers each RPC declares in its contract (declared_callers_of, tested).
# Keep the order: it is the order of jes_config.SERVICES and of the README.
MODULES: tuple[Module, ...] = (
    Module(
        name="identity",
        kind="service",
        app="jes_identity.app",
        owns="accounts, firm and professional applications, one-time set-password links, "
        "login records, signing keys, its audit log",
        emits=(topic("identity"),),
        dev_mode_hooks=("jes_identity.demo:seed_demo_accounts",),
    ),
    Module(
        name="photo-storage",
        kind="service",
        app="jes_photo_storage.app",
        owns="photo sets, photos, every print with a snapshot; originals and derivatives "
        "in the `photos` bucket; its audit log",
        calls=("identity", "report-render"),
        emits=(topic("photo-storage"),),
    ),
    Module(
        name="report-render",
        kind="service",
        app="jes_report_render.app",
        owns="rendered PDFs (pdfkit/wkhtmltopdf): photo reports in the `reports` bucket, "
        "application forms and tables such as fairness reports (returned, not kept)",
        calls=("identity",),
        emits=(topic("report-render"),),
        debian_packages=("wkhtmltopdf=0.12.6-2+b1", "fonts-noto-cjk=1:20220127+repack1-1"),
    ),
    Module(
        name="review-workflow",
        kind="service",
        app="jes_review_workflow.app",
        owns="court decisions (photo-set reviews, firm applications) and the decision "
        "audit log; carries decisions out through photo-storage and identity; appraisers: "
        "each court's rules, applications and their documents, the qualification committee, "
        "the roster, rotation with a hash-chained log, auction outcomes",
        calls=("identity", "photo-storage"),
        consumes=(topic("photo-storage"),),
        emits=(topic("review-workflow"),),
    ),
    Module(
        name="case-sync",
        kind="service",
        app="jes_case_sync.app",
        owns="cases, progress entries, followers; the courts' systems push cases over "
        "gRPC (streaming ingest)",
        calls=("identity",),
        emits=(topic("case-sync"),),
        dev_mode_hooks=("jes_case_sync.demo:seed_demo_cases",),
    ),
    Module(
        name="notification",
        kind="service",
        app="jes_notification.app",
        owns="e-mail deliveries and their log; sends over SMTP",
        calls=("identity",),
        consumes=(topic("identity"), topic("review-workflow"), topic("case-sync")),
    ),
    Module(
        name="gateway",
        kind="gateway",
        app="jes_gateway.app",
        owns="web pages and the REST API `/api/v1` (HTTP)",
        calls=(
            "identity",
            "photo-storage",
            "report-render",
            "review-workflow",
            "case-sync",
            "notification",
        ),
    ),
)


class RegistryError(ValueError):
    """The registry contradicts itself, or a target names no module."""


def module(name: str, modules: Sequence[Module] = MODULES) -> Module:
    for candidate in modules:
        if candidate.name == name:
            return candidate
    raise RegistryError(f"unknown module {name!r}; known: {', '.join(m.name for m in modules)}")


def targets(modules: Sequence[Module] = MODULES) -> dict[str, tuple[str, ...]]:
    """Target -> the modules it runs: `all` (one process), and each module on its own."""
    return {"all": tuple(m.name for m in modules), **{m.name: (m.name,) for m in modules}}


def callers_of(name: str, modules: Sequence[Module] = MODULES) -> tuple[str, ...]:
    """The modules that call `name` over gRPC (its chart's allowedCallers)."""
    return tuple(m.name for m in modules if name in m.calls)


def declared_callers_of(name: str) -> tuple[str, ...]:
    """The modules the contracts of service `name` let call it (jes.options.v1.callers:
    modules calling as themselves, modules forwarding a person's token, the gateway for
    anonymous visitors). Court systems are not modules: charts admit them with
    networkPolicy.extraFrom. Needs the generated code (make gen)."""
    import importlib

    from jes.options.v1 import options_pb2

    package = name.replace("-", "_")
    contract = importlib.import_module(f"jes.{package}.v1.{package}_pb2")
    found: set[str] = set()
    for service in contract.DESCRIPTOR.services_by_name.values():
        for method in service.methods:
            declared = method.GetOptions().Extensions[options_pb2.callers]
            found.update(declared.services)
            if declared.user_roles:
                found.update(declared.user_via or ("gateway",))
            if declared.anonymous:
                found.add("gateway")
    found.discard(name)
    return tuple(m.name for m in MODULES if m.name in found)


def dependencies(mod: Module, modules: Sequence[Module] = MODULES) -> tuple[str, ...]:
    """What must run before `mod`: the modules it calls and those whose events it consumes."""
    producers = [m.name for m in modules if set(m.emits) & set(mod.consumes)]
    return tuple(dict.fromkeys([*mod.calls, *producers]))


def check(modules: Sequence[Module] = MODULES) -> list[str]:
    """Contradictions in the registry, as sentences (empty when it is consistent)."""
    problems = []
    names = [m.name for m in modules]
    problems += [
        f"module {n!r} is declared twice" for n in sorted(set(names)) if names.count(n) > 1
    ]
    emitted = {t for m in modules for t in m.emits}
    kinds = {m.name: m.kind for m in modules}
    for mod in modules:
        for callee in mod.calls:
            if callee not in kinds:
                problems.append(f"{mod.name} calls {callee!r}, which is not a module")
            elif kinds[callee] != "service":
                problems.append(f"{mod.name} calls {callee}, which serves no gRPC")
            elif callee == mod.name:
                problems.append(f"{mod.name} calls itself")
        for consumed in mod.consumes:
            if consumed not in emitted:
                problems.append(f"{mod.name} consumes {consumed}, which no module emits")
        for emitted_topic in mod.emits:
            if emitted_topic != topic(mod.name):
                problems.append(
                    f"{mod.name} emits {emitted_topic}; its outbox is {topic(mod.name)}"
                )
        for hook in mod.dev_mode_hooks:
            if ":" not in hook:
                problems.append(f"{mod.name}: hook {hook!r} is not 'package.module:function'")
    if not problems:
        try:
            start_order(names, modules)
        except RegistryError as exc:
            problems.append(str(exc))
    return problems


def start_order(selected: Iterable[str], modules: Sequence[Module] = MODULES) -> list[Module]:
    """The selected modules, each after the ones it depends on (registry order otherwise).

    A dependency that is not selected runs elsewhere (distributed mode): it does not
    join the selection, it only orders what is selected.
    """
    wanted = list(dict.fromkeys(selected))
    for name in wanted:
        module(name, modules)
    placed: list[str] = []
    pending = [m for m in modules]
    while pending:
        ready = next(
            (m for m in pending if all(d in placed for d in dependencies(m, modules))), None
        )
        if ready is None:
            cycle = " -> ".join(m.name for m in pending)
            raise RegistryError(f"the modules depend on each other in a cycle: {cycle}")
        placed.append(ready.name)
        pending.remove(ready)
    return [module(name, modules) for name in placed if name in wanted]


def resolve(target: str, modules: Sequence[Module] = MODULES) -> list[Module]:
    """`all`, one module, or a comma-separated list of modules, in start order."""
    known = targets(modules)
    names: list[str] = []
    for part in (p.strip() for p in target.split(",")):
        if part not in known:
            raise RegistryError(f"unknown target {part!r}; choose from {', '.join(known)}")
        names += known[part]
    return start_order(names, modules)
