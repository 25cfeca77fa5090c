"""The `incidents` a frame carries (the faults fired so far, when each was detected and when it
recovered) and the driver's fault log they come from: a restore fired from the Chaos tab ends
the fault it undoes."""

import json
import time
from pathlib import Path
from typing import Any
from unittest import mock

from apps.engine.runtime.clock import Clock
from apps.engine.runtime.driver import Driver, Sample
from apps.engine.runtime.plan import compile_plan
from apps.engine.stream import RunStream

HA_FAILOVER = Path(__file__).resolve().parents[2] / "apps" / "library" / "scenarios" / "ha-failover.json"


def document() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(HA_FAILOVER.read_text())
    return loaded


def kill(**extra: Any) -> dict[str, Any]:
    return {"action": "kill_instance", "target": "web", "instance": 0, "live": True, "fired_at_s": 3.0, **extra}


def test_a_kill_is_detected_when_the_load_balancer_ejects_the_instance_and_recovered_when_it_is_back() -> None:
    run_stream = RunStream("r1", compile_plan(document()), duration_s=25)
    states = {
        "lb": {
            "health_changes": [
                {"t": 1000.0, "target": "web/1", "healthy": False, "passive": False},  # before the fault
                {"t": 4900.0, "target": "web/0", "healthy": False, "passive": False},
                {"t": 9500.0, "target": "web/0", "healthy": True, "passive": False},
            ]
        },
        "web": {},
    }
    restore = {"action": "restore_instance", "target": "web", "instance": 0, "live": True, "fired_at_s": 8.0}
    sample = Sample(10.0, {"depths": {}, "stats": {}, "faults": [kill(undone_at_s=8.0), restore]})

    incidents = run_stream.incidents(sample, states, {})

    assert incidents == [
        {
            "action": "kill_instance", "target": "web", "instance": 0, "live": True, "fired_at_s": 3.0,
            "undone_at_s": 8.0, "detected_after_s": 1.9, "recovered_after_s": 1.5,
        }
    ]  # fmt: skip


def test_an_incident_not_yet_detected_has_no_times_and_the_list_is_bounded() -> None:
    run_stream = RunStream("r1", compile_plan(document()), duration_s=25)
    faults = [kill(fired_at_s=float(i)) for i in range(30)]

    incidents = run_stream.incidents(Sample(31.0, {"depths": {}, "stats": {}, "faults": faults}), {}, {})

    assert len(incidents) == 20 and incidents[-1]["fired_at_s"] == 29.0
    assert incidents[-1]["detected_after_s"] is None and incidents[-1]["recovered_after_s"] is None


def test_a_restore_ends_the_fault_it_undoes_in_the_fault_log() -> None:
    driver = Driver("r1", document())
    driver.clock = Clock(time.time() - 5.0, 1.0)
    with mock.patch.object(driver, "dispatch", autospec=True):
        driver.fire({"action": "kill_instance", "target": "web", "instance": 1}, live=True)
        driver.fire({"action": "kill_instance", "target": "web", "instance": 0}, live=True)
        driver.fire({"action": "restore_instance", "target": "web", "instance": 0}, live=True)

    kill_1, kill_0, restore = driver.fault_log
    assert "undone_at_s" not in kill_1
    assert kill_0["undone_at_s"] >= kill_0["fired_at_s"]
    assert "undone_at_s" not in restore
    assert driver.active_faults == [{"action": "kill_instance", "target": "web", "instance": 1}]
