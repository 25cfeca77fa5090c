"""The `incidents` a frame carries (the faults fired so far, when each was detected and when it
recovered) and the driver's fault log they come from: a restore fired from the Chaos tab ends
the fault it undoes."""

import json
import uuid
from pathlib import Path
from typing import Any

from apps.engine.stream import RunStream
from apps.runtime import keys
from apps.runtime.driver import Driver, Sample, release
from apps.runtime.plan import compile_plan
from apps.runtime.redis import client

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
            "undone_at_s": 8.0, "detected_after_s": 1.9, "recovered_after_s": 1.5, "measured": "health",
        }
    ]  # fmt: skip


def test_a_region_outage_behind_a_dns_is_detected_and_recovered_by_the_dns_checks() -> None:
    dns_failover = HA_FAILOVER.with_name("dns-failover.json")
    run_stream = RunStream("r1", compile_plan(json.loads(dns_failover.read_text())), duration_s=40)
    states = {
        "dns": {
            "health_changes": [
                {"t": 8000.0, "target": "lb-eu", "healthy": False, "passive": False},
                {"t": 33000.0, "target": "lb-eu", "healthy": True, "passive": False},
            ]
        },
    }
    outage = {"action": "kill_region", "target": "eu-1", "fired_at_s": 5.0, "undone_at_s": 30.0}

    (incident,) = run_stream.incidents(Sample(35.0, {"depths": {}, "stats": {}, "faults": [outage]}), states, {})

    assert (incident["detected_after_s"], incident["recovered_after_s"]) == (3.0, 3.0)


def test_an_incident_not_yet_detected_has_no_times_and_the_list_is_bounded() -> None:
    run_stream = RunStream("r1", compile_plan(document()), duration_s=25)
    faults = [kill(fired_at_s=float(i)) for i in range(30)]

    incidents = run_stream.incidents(Sample(31.0, {"depths": {}, "stats": {}, "faults": faults}), {}, {})

    assert len(incidents) == 20 and incidents[-1]["fired_at_s"] == 29.0
    assert incidents[-1]["detected_after_s"] is None and incidents[-1]["recovered_after_s"] is None


def test_a_restore_ends_the_fault_it_undoes_in_the_fault_log() -> None:
    driver = Driver(f"t-{uuid.uuid4().hex[:8]}", document(), duration_s=25)
    try:
        driver.schedule_fault({"action": "kill_instance", "target": "web", "instance": 1}, 3000.0, live=True)
        driver.schedule_fault({"action": "kill_instance", "target": "web", "instance": 0}, 4000.0, live=True)
        driver.schedule_fault({"action": "restore_instance", "target": "web", "instance": 0}, 8000.0, live=True)

        kill_1, kill_0, restore = driver.fault_log()
        assert kill_1["undone_at_s"] == 25.0  # open until traffic ends
        assert kill_0["undone_at_s"] == 8.0  # ended by the restore
        assert "undone_at_s" not in restore
        # In the inbox: the three faults, kill 1's undo at the end, kill 0's undo moved to 8 s.
        inbox = [(json.loads(raw), at) for raw, at in client().zrange(keys.inbox(driver.run), 0, -1, withscores=True)]
        undos = sorted((at, event["instance"]) for event, at in inbox if event["action"] == "restore_instance")
        assert undos == [(8000.0, 0), (8000.0, 0), (25000.0, 1)]  # the restore itself, and kill 0's undo

        assert [f["action"] for f in driver.fault_log(until_s=5.0)] == ["kill_instance", "kill_instance"]
        assert "undone_at_s" not in driver.fault_log(until_s=5.0)[1]  # not undone yet at 5 s
    finally:
        release(driver.run)
