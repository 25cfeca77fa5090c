"""Every fault type declares how it ends and what a run measures about it (topology/faults.py),
and the engine, the training sessions and the live view read those declarations."""

from pathlib import Path

import pytest

from apps.topology.faults import FAULT_TYPES, RESTORES, UNDO, FaultType
from apps.topology.schema import fault_schema

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("fault", list(FAULT_TYPES.values()), ids=lambda f: f.name)
def test_every_fault_ends_or_is_an_ending(fault: FaultType) -> None:
    ends = [fault.undo] if fault.undo else []
    assert fault.undo or fault.reset or fault.instant or fault.name in RESTORES, f"{fault.name} has no way to end"
    assert not (fault.instant and (fault.undo or fault.reset)), "an instant fault has nothing to end"
    assert not (fault.undo and fault.reset), "a pair or a setting, not both"
    for undo in ends:
        ending = FAULT_TYPES[undo]
        assert (ending.target, ending.target_kinds, ending.param) == (fault.target, fault.target_kinds, fault.param)
    if fault.reset:
        assert set(fault.reset) == {fault.param}, "a setting resets its own parameter"
    if fault.measured:
        assert fault.name not in RESTORES, "what is measured belongs to the fault, not its ending"


def test_an_ending_carries_the_faults_fields() -> None:
    kill = {"action": "kill_instance", "target": "web", "instance": 1}
    assert FAULT_TYPES["kill_instance"].ending(kill) == ("restore_instance", kill)
    spike = {"action": "traffic_spike", "target": "users", "factor": 5}
    assert FAULT_TYPES["traffic_spike"].ending(spike) == ("traffic_spike", {**spike, "factor": 1})
    assert FAULT_TYPES["restore_instance"].ending(kill) is None
    assert UNDO["cut_edge"] == "restore_edge" and RESTORES["restore_edge"] == "cut_edge"


def test_every_parameter_has_its_bounds_in_the_schema() -> None:
    properties = fault_schema()["properties"]
    for fault in FAULT_TYPES.values():
        if fault.param:
            rule = properties[fault.param]
            assert (rule["minimum"], rule["maximum"]) == (fault.param_minimum, fault.param_maximum)


def test_no_fault_action_is_spelled_out_outside_its_declaration() -> None:
    """The engine, training and the live view branch on the declarations, not on names."""
    readers = [
        "apps/runtime/driver.py",
        "apps/runtime/summary.py",
        "apps/engine/stream.py",
        "apps/training/services.py",
        "static/live/dock-uptime.js",
    ]
    for path in readers:
        text = (ROOT / path).read_text()
        for name in ("kill_instance", "kill_zone", "stop_consumer", "cut_edge", *RESTORES):
            if path.endswith("driver.py") and name == "start_consumer":
                continue  # the driver starts every consumer at the beginning of a run (a command, not a branch)
            if path.endswith(".js") and name == "kill_instance":
                continue  # the live view words a killed instance as "instance 0 killed"
            assert f'"{name}"' not in text, f"{path} spells out {name}"


@pytest.mark.parametrize("fault", list(FAULT_TYPES.values()), ids=lambda f: f.name)
def test_a_wider_reach_belongs_to_zone_faults_and_their_endings(fault: FaultType) -> None:
    """A region outage reaches its region's zones, a partition every node: so do their endings."""
    if fault.reach:
        assert fault.target_kinds == ("zone",), f"{fault.name} reaches beyond a zone it does not target"
    if fault.undo:
        assert FAULT_TYPES[fault.undo].reach == fault.reach


@pytest.mark.parametrize("fault", [f for f in FAULT_TYPES.values() if f.acts_as], ids=lambda f: f.name)
def test_a_fault_acting_as_another_targets_alike_and_ends_alike(fault: FaultType) -> None:
    """The nodes a region outage reaches each apply a zone outage; its restore, a zone restore."""
    other = FAULT_TYPES[fault.acts_as]
    assert (other.target, other.target_kinds, other.param) == (fault.target, fault.target_kinds, fault.param)
    if fault.undo:
        assert FAULT_TYPES[fault.undo].acts_as == other.undo
