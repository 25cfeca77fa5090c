"""Writes for runs: start one (admitted by the fleet's capacity), stop it, fire a fault into it."""

import copy
import json
from typing import Any

import redis
from django.db import transaction
from django.utils import timezone

from apps.engine import admission
from apps.engine.control import drive, stop_key
from apps.engine.models import Run
from apps.live.groups import run_started_notify
from apps.runtime import keys
from apps.runtime.clock import parse_speed, speed_label, speed_value
from apps.runtime.demand import events_per_run_second
from apps.runtime.plan import Plan, compile_plan
from apps.runtime.redis import client
from apps.scenarios.models import Scenario
from apps.topology.edges import RUN_PROPS
from apps.topology.validation import Problem, TopologyError, number_text, validate_document

MAX_LIVE_FAULTS = 200  # per run: each one sends events to the fleet
KEY_TTL_MARGIN_S = 300


class RunRefused(Exception):
    """The request is valid but cannot be done now: the hard cap is reached (429, with when to
    try again), the run has ended (409), or the engine's Redis is unreachable (503)."""

    def __init__(self, message: str, *, status: int = 429, retry_after: float | None = None):
        super().__init__(message)
        self.message = message
        self.status = status
        self.retry_after = retry_after


_LIMITS = {prop.name: prop for prop in RUN_PROPS}


def _setting(name: str, value: Any, problems: list[Problem]) -> Any:
    """One run setting from the request: None (keep the scenario's), or a number in range."""
    if value is None:
        return None
    prop = _LIMITS[name]
    if isinstance(value, str) and value in prop.special:
        return value
    integer = prop.type == "integer"
    kind = "an integer" if integer else "a number"
    ok_type = isinstance(value, int) if integer else isinstance(value, (int, float))
    if isinstance(value, bool) or not ok_type:
        words = "".join(f" or {word!r}" for word in prop.special)
        bounds = f"{number_text(prop.minimum)} to {number_text(prop.maximum)}"
        problems.append(Problem(f"$.{name}", f"must be {kind} from {bounds}{words}"))
        return None
    assert prop.minimum is not None and prop.maximum is not None
    if not prop.minimum <= value <= prop.maximum:
        unit = f" {prop.unit}" if prop.unit else ""
        problems.append(
            Problem(
                f"$.{name}",
                f"must be from {number_text(prop.minimum)} to {number_text(prop.maximum)}{unit} "
                f"(got {number_text(value)})",
            )
        )
        return None
    return value


def run_document(*, document: dict[str, Any], seed: Any, speed: Any, duration: Any) -> dict[str, Any]:
    """The document to run: the scenario's, with the run settings the request gave."""
    problems: list[Problem] = []
    values = {
        "seed": _setting("seed", seed, problems),
        "speed": _setting("speed", speed, problems),
        "duration_s": _setting("duration_s", duration, problems),
    }
    if problems:
        raise TopologyError(problems)
    out = copy.deepcopy(document)
    run = out.setdefault("run", {})
    run.update({name: value for name, value in values.items() if value is not None})
    result = validate_document(out)
    if result.errors:
        raise TopologyError(result.errors)
    return out


def run_demand(plan: Plan, speed: float | None, duration_s: float) -> float:
    """Events per wall second the run is estimated to need (a `max` run: as if at 1×)."""
    return events_per_run_second(plan, duration_s) * (speed or 1.0)


def run_start(*, scenario: Scenario, seed: Any = None, speed: Any = None, duration: Any = None) -> Run:
    """Create a run of the scenario's current revision and queue its control task after commit;
    then tell the scenario's viewers (its websocket group) that a run started.

    The run starts when the fleet has room for it (admission.py); until then it waits, queued,
    with `waiting` saying why and when it may start. Raises TopologyError for invalid settings
    or a run longer than PLAYGROUND_MAX_RUN_WALL_S in wall time, and RunRefused when PLAYGROUND_MAX_RUNS
    runs are already going or waiting (the hard cap) or the scenario's owner has
    PLAYGROUND_MAX_RUNS_PER_OWNER (docs/limits.md)."""
    revision = scenario.current
    document = run_document(document=revision.document, seed=seed, speed=speed, duration=duration)
    plan = compile_plan(document)
    settings_ = plan.run
    run_speed = parse_speed(settings_["speed"])
    duration_s = float(settings_["duration_s"])
    wall_s, wall_cap = admission.wall_time_s(speed=run_speed, duration_s=duration_s), admission.wall_cap_s()
    if wall_s > wall_cap:
        raise TopologyError(
            [
                Problem(
                    "$.duration_s",
                    f"a run may take at most {wall_cap:g} s of wall time on this server; {duration_s:g} s at "
                    f"{speed_label(run_speed)} takes {wall_s:g} s: shorten it or raise the speed",
                )
            ]
        )
    try:
        with admission.start_lock(), transaction.atomic():
            active = Run.objects.active().count()
            cap = admission.hard_cap()
            if active >= cap:
                due = admission.first_end_in_s()
                when = f" The first run is due to end in about {due:.0f} s." if due is not None else ""
                raise RunRefused(
                    f"{active} run{'s' if active != 1 else ''} already going or waiting; this server takes at most "
                    f"{cap} at a time.{when}",
                    retry_after=due,
                )
            mine = admission.owner_going(scenario=scenario)
            if len(mine) >= admission.owner_cap():
                due = min((g.remaining_s for g in mine), default=None)
                when = f" The first of them is due to end in about {due:.0f} s." if due is not None else ""
                raise RunRefused(
                    f"this scenario's owner already has {len(mine)} run{'s' if len(mine) != 1 else ''} going or "
                    f"waiting; an owner may have at most {admission.owner_cap()} at a time.{when}",
                    retry_after=due,
                )
            run = Run(
                scenario=scenario,
                revision=revision.number,
                document=document,
                seed=int(settings_["seed"]),
                speed=run_speed,
                duration_s=duration_s,
                demand=run_demand(plan, run_speed, duration_s),
            )
            run.set_expiry()
            run.save()
            decision = admission.decide(run=run)
            if not decision.admit:
                run.waiting = decision.waiting()
                run.save(update_fields=["waiting"])
            transaction.on_commit(lambda: drive.delay(run.id))
            transaction.on_commit(
                lambda: run_started_notify(
                    slug=scenario.slug, run_id=run.id, speed=speed_value(run.speed), duration_s=run.duration_s
                )
            )
    except redis.RedisError:
        raise RunRefused("the engine's Redis is unreachable; try again shortly", status=503) from None
    return run


def _ttl(run: Run) -> int:
    return int(run.wall_time_s + KEY_TTL_MARGIN_S)


def run_stop(*, run: Run) -> Run:
    """Ask the run's driver to stop the traffic (it then drains and stores what it measured).

    A run still queued is stopped at once, without starting."""
    if run.ended:
        raise RunRefused(f"the run has already ended ({run.status})", status=409)
    if Run.objects.filter(pk=run.pk, status=Run.Status.QUEUED).update(
        status=Run.Status.STOPPED, ended_at=timezone.now()
    ):
        run.refresh_from_db()
        return run
    try:
        client().set(stop_key(run.id), "1", ex=_ttl(run))
    except redis.RedisError:
        raise RunRefused("the engine's Redis is unreachable; try again shortly", status=503) from None
    return run


def _fault_problems(document: dict[str, Any], fault: dict[str, Any]) -> list[Problem]:
    """Validate a live fault as the scenario's faults are, against the run's topology."""
    trial = copy.deepcopy(document)
    trial["faults"] = [fault]
    problems = []
    for problem in validate_document(trial).errors:
        path = problem.path
        if path.startswith("$.faults[0]"):
            path = "$" + path[len("$.faults[0]") :]
        elif path == "$.faults":
            path = "$"
        problems.append(Problem(path, problem.message, target=problem.target))
    return problems


def fault_fire(*, run: Run, fault: Any) -> dict[str, Any]:
    """Validate a fault and hand it to the run's driver, which fires it at once (`live`: true in
    the summary). `at_s` is ignored; `duration_s`, when given, undoes it that much later."""
    if not isinstance(fault, dict):
        raise TopologyError([Problem("$", "must be a JSON object: {action, target, ...}")])
    if run.status not in (Run.Status.QUEUED, Run.Status.RUNNING):
        raise RunRefused(f"faults can be fired while a run is going; this one is {run.status}", status=409)
    live = {**fault, "at_s": 0}
    problems = _fault_problems(run.document, live)
    if problems:
        raise TopologyError(problems)
    try:
        r = client()
        fired = int(r.incr(f"{keys.prefix(run.id)}live-faults"))
        r.expire(f"{keys.prefix(run.id)}live-faults", _ttl(run))
        if fired > MAX_LIVE_FAULTS:
            raise RunRefused(f"a run takes at most {MAX_LIVE_FAULTS} live faults", status=429)
        pipe = r.pipeline(transaction=True)
        pipe.rpush(keys.faults(run.id), json.dumps(live))
        pipe.expire(keys.faults(run.id), _ttl(run))
        pipe.execute()
    except redis.RedisError:
        raise RunRefused("the engine's Redis is unreachable; try again shortly", status=503) from None
    return live
