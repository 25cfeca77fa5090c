"""Every node kind declares how it runs, and every declaration is honoured: a handler exists
for it, the plan reads its traits, and the browser is told the same traits."""

import inspect
import re
import sys
from pathlib import Path
from typing import Any

import pytest

from apps.runtime.nodes import HANDLERS
from apps.runtime.plan import CONSUMER_KINDS, compile_plan
from apps.runtime.sections import SECTIONS
from apps.topology.catalogue import kind_catalogue
from apps.topology.faults import FAULT_TYPES, FaultType
from apps.topology.kinds import KINDS

ROOT = Path(__file__).resolve().parents[2]
EXECUTED = [name for name, kind in KINDS.items() if kind.runtime is not None]


@pytest.mark.parametrize("name", EXECUTED)
def test_every_executed_kind_has_a_handler(name: str) -> None:
    runtime = KINDS[name].runtime
    assert runtime is not None and runtime.handler in HANDLERS, f"{name}: no handler {runtime and runtime.handler!r}"


@pytest.mark.parametrize("name", EXECUTED)
def test_a_kind_starts_with_the_instances_it_declares(name: str) -> None:
    plan = compile_plan({"nodes": [{"id": "n", "kind": name}], "edges": []})
    node = plan.nodes["n"]
    count, active = node.instance_count(), node.active_count()
    assert 0 <= active <= count
    assert (name in CONSUMER_KINDS) == KINDS[name].runtime.consumer  # type: ignore[union-attr]


def test_only_layout_groups_are_not_executed() -> None:
    assert [name for name, kind in KINDS.items() if kind.runtime is None] == [
        name for name, kind in KINDS.items() if kind.is_group
    ]


def test_every_fault_targets_kinds_that_exist_and_run() -> None:
    for fault in FAULT_TYPES.values():
        for kind in fault.target_kinds:
            assert kind in KINDS, f"{fault.name}: no kind {kind!r}"
            assert KINDS[kind].runtime is not None or KINDS[kind].is_group, f"{fault.name}: {kind} never runs"


def test_the_browser_gets_the_traits_python_declares() -> None:
    for entry in kind_catalogue():
        runtime = KINDS[entry["name"]].runtime
        if runtime is None:
            assert entry["runtime"] is None
        else:
            assert entry["runtime"] == {
                "handler": runtime.handler,
                "badge": runtime.badge,
                "mailbox": runtime.mailbox,
                "source": not KINDS[entry["name"]].receives,
            }


def test_the_front_end_asks_the_traits_instead_of_naming_kinds() -> None:
    """A kind compared by name in the live view would leave a new kind out of it."""
    names = "|".join(KINDS)
    compared = re.compile(rf"kind\s*[!=]==\s*\"({names})\"|new Set\(\[\s*\"({names})\"")
    offenders = [
        f"{path.relative_to(ROOT)}: {match.group(0)}"
        for path in (ROOT / "static").rglob("*.js")
        for match in compared.finditer(path.read_text())
    ]
    assert offenders == []


def _fault_sources(handler: str) -> str:
    """The source of the handler module's `apply_fault`, of every node-module function it
    hands a fault to (`network.apply_fault`, `errors.apply_burst`, a worker's `apply_fault`…)
    and of the action tables they read."""
    package = "apps.runtime.nodes"
    module = sys.modules[HANDLERS[handler].__module__]
    todo = [getattr(module, "apply_fault", None) or module.handle]  # some hand every event on
    seen: list[Any] = []
    tables: list[str] = []  # the action tables it reads (e.g. messaging.OUTAGES)
    while todo:
        function = todo.pop()
        if function in seen:
            continue
        seen.append(function)
        home, source = sys.modules[function.__module__], inspect.getsource(function)
        for name, attribute in re.findall(r"\b(\w+)\.(\w+)\(", source):
            used = vars(home).get(name)
            if inspect.ismodule(used) and used.__name__.startswith(package + "."):
                # a node that hands its events to another family's handler hands it its faults
                todo.append(getattr(used, "apply_fault" if attribute == "handle" else attribute))
        tables.extend(
            repr(value)
            for name in set(re.findall(r"\b[A-Z_]+\b", source))
            if isinstance(value := vars(home).get(name), dict | tuple | frozenset)
        )
    return "".join(inspect.getsource(function) for function in seen) + "".join(tables)


def _names(action: str, source: str) -> bool:
    return f'"{action}"' in source or f"'{action}'" in source


def _acted_on(fault: FaultType) -> str:
    return fault.acts_as or fault.name


@pytest.mark.parametrize("fault", [f for f in FAULT_TYPES.values() if f.target == "node"], ids=lambda f: f.name)
def test_every_kind_a_fault_targets_acts_on_it(fault: FaultType) -> None:
    """A fault fired at a kind whose handler ignores it would change nothing: each kind it
    targets (for a zone fault, each kind that can stand in a zone; for a partition, every
    executed kind) has a handler that names the action it applies."""
    if fault.reach == "network":
        kinds = EXECUTED
    elif fault.target_kinds == ("zone",):
        kinds = [name for name in EXECUTED if any(p.name == "zone" for p in KINDS[name].props)]
    else:
        kinds = list(fault.target_kinds)
    for kind in kinds:
        runtime = KINDS[kind].runtime
        assert runtime is not None
        assert _names(_acted_on(fault), _fault_sources(runtime.handler)), f"{kind} ignores {fault.name}"


@pytest.mark.parametrize("fault", [f for f in FAULT_TYPES.values() if f.target == "edge"], ids=lambda f: f.name)
def test_every_kind_keeps_the_edge_faults_on_the_edges_it_sends_over(fault: FaultType) -> None:
    """An edge fault goes to the node at the edge's source, whatever its kind (a cut edge out
    of a client was once ignored): every executed kind's handler keeps it (network.py)."""
    for kind in EXECUTED:
        runtime = KINDS[kind].runtime
        assert runtime is not None
        assert _names(fault.name, _fault_sources(runtime.handler)), f"{kind} ignores {fault.name} on its edges"


def test_every_declared_summary_section_exists_and_every_section_is_declared() -> None:
    declared = {kind.runtime.section for kind in KINDS.values() if kind.runtime and kind.runtime.section}
    assert declared == set(SECTIONS)
