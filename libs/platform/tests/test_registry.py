"""The module registry: consistent, true to the code, and the order it starts things in."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from jes_config import SERVICES
from jes_platform import graph
from jes_platform.registry import (
    MODULES,
    Module,
    RegistryError,
    callers_of,
    check,
    resolve,
    start_order,
    targets,
    topic,
)

ROOT = Path(__file__).resolve().parents[3]


def names(modules: list[Module]) -> list[str]:
    return [m.name for m in modules]


def test_the_registry_is_consistent() -> None:
    assert check() == []


def test_every_configured_service_is_a_module_and_the_gateway_too() -> None:
    assert names(list(MODULES)) == [*SERVICES, "gateway"]
    assert {m.name for m in MODULES if m.kind == "service"} == set(SERVICES)


def test_targets_are_all_and_each_module() -> None:
    assert targets() == {
        "all": tuple(m.name for m in MODULES),
        **{m.name: (m.name,) for m in MODULES},
    }


def test_all_starts_every_module_after_what_it_calls_and_consumes() -> None:
    order = names(resolve("all"))
    assert order == [
        "identity",
        "report-render",
        "photo-storage",
        "review-workflow",
        "case-sync",
        "notification",
        "gateway",
    ]
    for mod in MODULES:
        producers = [m.name for m in MODULES if set(m.emits) & set(mod.consumes)]
        for dependency in [*mod.calls, *producers]:
            assert order.index(dependency) < order.index(mod.name), (mod.name, dependency)


def test_one_target_runs_one_module_without_its_dependencies() -> None:
    assert names(resolve("photo-storage")) == ["photo-storage"]
    assert names(resolve("gateway")) == ["gateway"]


def test_a_list_of_modules_is_put_in_dependency_order() -> None:
    assert names(resolve("gateway,photo-storage,identity")) == [
        "identity",
        "photo-storage",
        "gateway",
    ]


def test_an_unknown_target_is_refused_naming_the_choices() -> None:
    with pytest.raises(RegistryError, match=r"unknown target 'photos'; choose from all, identity"):
        resolve("photos")


def test_a_cycle_is_refused_naming_the_modules() -> None:
    modules = (
        Module("a", "service", "a.app", "", calls=("b",), emits=(topic("a"),)),
        Module("b", "service", "b.app", "", consumes=(topic("a"),)),
    )
    with pytest.raises(RegistryError, match="cycle: a -> b"):
        start_order(["a", "b"], modules)
    assert check(modules) == ["the modules depend on each other in a cycle: a -> b"]


def test_check_names_each_contradiction() -> None:
    modules = (
        Module("a", "service", "a.app", "", calls=("ghost", "web", "a")),
        Module("b", "service", "b.app", "", consumes=("jes.nobody.events",), emits=("x",)),
        Module("web", "gateway", "web.app", "", dev_mode_hooks=("web.seed",)),
    )
    assert check(modules) == [
        "a calls 'ghost', which is not a module",
        "a calls web, which serves no gRPC",
        "a calls itself",
        "b consumes jes.nobody.events, which no module emits",
        "b emits x; its outbox is jes.b.events",
        "web: hook 'web.seed' is not 'package.module:function'",
    ]


def test_callers_are_what_the_charts_allow() -> None:
    # the gateway calls report-render for printable forms and tables only (returned, not
    # kept): reports are still photo-storage's to hand out (their RPCs admit it alone)
    assert callers_of("report-render") == ("photo-storage", "gateway")
    from jes.options.v1 import options_pb2
    from jes.report_render.v1 import report_render_pb2

    service = report_render_pb2.DESCRIPTOR.services_by_name["ReportRenderService"]
    admitted = {
        method.name: list(method.GetOptions().Extensions[options_pb2.callers].services)
        for method in service.methods
    }
    assert admitted == {
        "RenderPhotoReport": ["photo-storage"],
        "GetReportUrl": ["photo-storage"],
        "RenderApplicationForm": ["gateway"],
        "RenderTableReport": ["gateway"],
    }
    assert callers_of("identity") == (
        "photo-storage",
        "report-render",
        "review-workflow",
        "case-sync",
        "notification",
        "gateway",
    )
    assert callers_of("gateway") == ()


def test_only_report_render_adds_debian_packages_and_they_are_pinned() -> None:
    assert {m.name: m.debian_names for m in MODULES if m.debian_packages} == {
        "report-render": ("wkhtmltopdf", "fonts-noto-cjk")
    }
    assert all("=" in p for m in MODULES for p in m.debian_packages)


def test_identity_and_case_sync_own_the_demo_seeding_hooks() -> None:
    assert {m.name: m.dev_mode_hooks for m in MODULES if m.dev_mode_hooks} == {
        "identity": ("jes_identity.demo:seed_demo_accounts",),
        "case-sync": ("jes_case_sync.demo:seed_demo_cases",),
    }


# ---- the registry against the code ------------------------------------------------


def source_of(mod: Module) -> str:
    folder = ROOT / "services" / mod.name / "src" / mod.python_package
    return "\n".join(
        p.read_text() for p in sorted(folder.rglob("*.py")) if "migrations" not in p.parts
    )


@pytest.mark.parametrize("mod", MODULES, ids=lambda m: m.name)
def test_calls_are_the_addresses_the_code_uses(mod: Module) -> None:
    """A module reaches another through `addrs["<name>"]` or `kit.client("<name>", …)`;
    every service also asks identity for its key set (jes_servicekit)."""
    source = source_of(mod)
    used = set(re.findall(r"addrs\[\"([a-z-]+)\"\]", source))
    used |= set(re.findall(r"\.client\(\s*\"([a-z-]+)\"", source))
    if mod.kind == "service":
        used.add("identity")
    used.discard(mod.name)
    assert set(mod.calls) == used


@pytest.mark.parametrize("mod", MODULES, ids=lambda m: m.name)
def test_consumed_topics_are_the_ones_the_code_subscribes_to(mod: Module) -> None:
    source = source_of(mod)
    subscribed = {topic(name) for name in re.findall(r"topic_of\(\"([a-z-]+)\"\)", source)}
    assert set(mod.consumes) == subscribed


@pytest.mark.parametrize("mod", MODULES, ids=lambda m: m.name)
def test_a_module_emits_events_when_its_code_adds_them_to_the_outbox(mod: Module) -> None:
    adds_events = "outbox.add(" in source_of(mod)
    assert bool(mod.emits) == adds_events


def test_app_modules_exist_with_what_the_runtime_calls() -> None:
    for mod in MODULES:
        path = ROOT / "services" / mod.name / "src" / Path(*mod.app.split("."))
        text = path.with_suffix(".py").read_text()
        entry = "def create_app(" if mod.kind == "gateway" else "def build("
        assert entry in text, mod.app


def test_the_readme_table_is_generated_from_the_registry() -> None:
    assert graph.table_differences((ROOT / "README.md").read_text(), MODULES) == []


def test_table_differences_name_the_row_and_column() -> None:
    text = graph.markdown_table(MODULES).replace(
        "`jes.identity.events`, `jes.review-workflow.events`, `jes.case-sync.events`",
        "`jes.identity.events`, `jes.photo-storage.events`",
    )
    assert graph.table_differences(text, MODULES) == [
        "`services/notification` consumes: the table says "
        "'`jes.identity.events`, `jes.photo-storage.events`', the registry "
        "'`jes.identity.events`, `jes.review-workflow.events`, `jes.case-sync.events`'"
    ]
    assert graph.table_differences("no table", MODULES) == [
        "no architecture table: add the output of `jes graph --format=markdown`"
    ]


@pytest.mark.parametrize("mod", [m for m in MODULES if m.kind == "service"], ids=lambda m: m.name)
def test_callers_are_the_ones_the_contracts_declare(mod: Module) -> None:
    """The registry's callers of a service (its chart's NetworkPolicy allowedCallers, via
    make k8s-validate) are exactly the modules its RPCs declare as callers."""
    from jes_platform.registry import callers_of, declared_callers_of

    assert set(callers_of(mod.name)) == set(declared_callers_of(mod.name))
