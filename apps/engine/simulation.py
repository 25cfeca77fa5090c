"""Run a topology on the live engine and return its summary (used by `simulate` and tests)."""

import copy
import json
import re
import uuid
from pathlib import Path
from typing import Any

from apps.domain.services import records_delete
from apps.engine import audit
from apps.library.services import SCENARIOS_DIR
from apps.runtime.clock import speed_value
from apps.runtime.driver import Driver
from apps.runtime.summary import build_summary
from apps.topology.faults import FAULT_TYPES
from apps.topology.validation import Problem, TopologyError, parse_and_validate, validate_document


class SimulationInputError(ValueError):
    """The command line named something that does not exist or does not parse."""


def load_topology(source: str) -> dict[str, Any]:
    """A template slug or a path to a topology JSON file, validated."""
    template = SCENARIOS_DIR / f"{source}.json"
    path = template if re.fullmatch(r"[a-z0-9-]+", source) and template.exists() else Path(source)
    if not path.exists():
        slugs = ", ".join(sorted(p.stem for p in SCENARIOS_DIR.glob("*.json")))
        raise SimulationInputError(f"{source!r} is neither a template ({slugs}) nor a file")
    if path.stat().st_size > 1_000_000:
        raise SimulationInputError(f"{path} is larger than the 1 MB limit")
    result = parse_and_validate(path.read_bytes())
    if result.errors:
        raise TopologyError(result.errors)
    document: dict[str, Any] = result.document
    return document


def _parse_value(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return text


def apply_settings(document: dict[str, Any], assignments: list[str]) -> dict[str, Any]:
    """`NODE.PROP=VALUE` (PROP may be dotted, VALUE is JSON or text); edges by id too."""
    out = copy.deepcopy(document)
    cells = {n["id"]: n for n in out["nodes"]} | {e["id"]: e for e in out["edges"]}
    for assignment in assignments:
        target, sep, value = assignment.partition("=")
        cell_id, dot, prop = target.partition(".")
        if not sep or not dot or not prop:
            raise SimulationInputError(f"--set {assignment!r}: expected NODE.PROP=VALUE")
        if cell_id not in cells:
            raise SimulationInputError(f"--set {assignment!r}: no node or edge {cell_id!r}")
        current = cells[cell_id].setdefault("props", {})
        parts = prop.split(".")
        for part in parts[:-1]:
            current = current.setdefault(part, {})
            if not isinstance(current, dict):
                raise SimulationInputError(f"--set {assignment!r}: {part!r} is not an object")
        current[parts[-1]] = _parse_value(value)
    return out


def parse_fault(spec: str) -> dict[str, Any]:
    """`ACTION TARGET at=S [for=S] [instance=N] [latency_ms=X] [error_rate=X] [factor=X]`."""
    words = spec.split()
    if len(words) < 3 or words[0] not in FAULT_TYPES:
        actions = ", ".join(sorted(FAULT_TYPES))
        raise SimulationInputError(
            f"--fault {spec!r}: expected 'ACTION TARGET at=S [for=S] ...' with ACTION one of {actions}"
        )
    fault: dict[str, Any] = {"action": words[0], "target": words[1]}
    for word in words[2:]:
        key, sep, value = word.partition("=")
        if not sep:
            raise SimulationInputError(f"--fault {spec!r}: {word!r} is not key=value")
        key = {"at": "at_s", "for": "duration_s"}.get(key, key)
        try:
            fault[key] = int(value) if key == "instance" else float(value)
        except ValueError:
            raise SimulationInputError(f"--fault {spec!r}: {key} must be a number") from None
    if "at_s" not in fault:
        raise SimulationInputError(f"--fault {spec!r}: at=S is required")
    return fault


def prepare(
    document: dict[str, Any],
    *,
    settings: list[str],
    faults: list[str],
    duration: float | None = None,
    seed: int | None = None,
    speed: float | str | None = None,
) -> dict[str, Any]:
    out = apply_settings(document, settings)
    out.setdefault("faults", []).extend(parse_fault(spec) for spec in faults)
    run = out.setdefault("run", {})
    if duration is not None:
        run["duration_s"] = duration
    if seed is not None:
        run["seed"] = seed
    if speed is not None:
        run["speed"] = speed
    result = validate_document(out)
    if result.errors:
        raise TopologyError(result.errors)
    return out


DOMAIN_SECTIONS = ("cqrs", "outbox", "inventory")


def simulate(
    document: dict[str, Any],
    *,
    run_id: str | None = None,
    drain_timeout_s: float = 60.0,
    trace: bool = False,
    keep_records: bool = False,
) -> dict[str, Any]:
    """Run `document` on the live engine (Redis and a worker must be up: see fleet.py).

    A simulation has no Run row: the domain records it wrote (bookings, read models, the
    outbox) are deleted once summarised, unless `keep_records`, which also stores its audit
    log in the database (as a Run's is)."""
    run = run_id or uuid.uuid4().hex[:12]
    driver = Driver(run, document, drain_timeout_s=drain_timeout_s, trace=trace)
    summary: dict[str, Any] = {}
    try:
        result = driver.execute()
        summary = build_summary(run, driver.plan, result, published=audit.published)
        if keep_records:
            summary["audit"] = {"stored": audit.persist(run), "limit": audit.MAX_STORED}
    finally:
        driver.cleanup()
        if not keep_records and any(section in summary for section in DOMAIN_SECTIONS):
            records_delete(run_id=run)
    summary["run"] = {
        "id": run, "duration_s": driver.duration_s, "seed": driver.seed, "speed": speed_value(driver.speed),
    }  # fmt: skip
    return summary


__all__ = ["Problem", "SimulationInputError", "load_topology", "prepare", "simulate"]
