"""JSON API for runs (docs/api.md). Errors are {"errors": [{"path", "message"}]}."""

from typing import Any

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from apps.engine.models import Run
from apps.engine.selectors import run_get, run_list, run_summary
from apps.engine.services import RunRefused, fault_fire, run_start, run_stop
from apps.scenarios.models import Scenario
from apps.scenarios.ownership import is_owner
from apps.scenarios.selectors import scenario_get
from apps.topology.http import api_methods, error, error_response, json_ok, read_json
from apps.topology.validation import TopologyError

START_FIELDS = ("seed", "speed", "duration_s")


def forbidden(what: str) -> JsonResponse:
    return error(f"{what} needs the scenario owner's edit secret (X-Edit-Secret header)", status=403)


def find_run(run_id: str) -> Run | JsonResponse:
    run = run_get(run_id=run_id)
    return run if run is not None else error(f"no run {run_id!r}", status=404)


def owns_run(request: HttpRequest, run: Run) -> bool:
    return run.scenario is not None and is_owner(request, run.scenario)


def _optional_json(request: HttpRequest) -> tuple[Any, JsonResponse | None]:
    """The body as JSON, or {} when there is none (the start request's body is optional)."""
    if request.META.get("CONTENT_LENGTH") in (None, "", "0"):
        return {}, None
    return read_json(request)


def refused_response(exc: RunRefused) -> JsonResponse:
    response = error(exc.message, status=exc.status)
    if exc.retry_after is not None:
        response["Retry-After"] = str(max(1, round(exc.retry_after)))
    return response


def _started(run: Run) -> dict[str, Any]:
    return {
        "run_id": run.id,
        "status": run.status,
        "waiting": run.waiting,
        "url": f"/api/runs/{run.id}/",
        "stream": f"/ws/runs/{run.id}/",
        "report_url": f"/runs/{run.id}/",
    }


def runs_listed(scenario: Scenario) -> JsonResponse:
    """The scenario's latest runs, newest first."""
    return json_ok(
        [
            {**_started(run), "created_at": run.created_at.isoformat(), "revision": run.revision}
            for run in run_list(scenario=scenario)
        ]
    )


@csrf_exempt  # authenticated by the X-Edit-Secret header, or by session + CSRF (ownership.is_owner)
@api_methods("GET", "POST")
def scenario_runs(request: HttpRequest, slug: str) -> JsonResponse:
    scenario = scenario_get(slug=slug)
    if scenario is None:
        return error(f"no scenario {slug!r}", status=404)
    if request.method == "GET":
        return runs_listed(scenario)
    if not is_owner(request, scenario):
        return forbidden("starting a run")
    body, failure = _optional_json(request)
    if failure is not None:
        return failure
    if not isinstance(body, dict):
        return error("must be a JSON object: {seed?, speed?, duration_s?}", status=400)
    unknown = sorted(set(body) - set(START_FIELDS))
    if unknown:
        return error(f"unknown field {unknown[0]!r}; a run takes {', '.join(START_FIELDS)}", status=400, path="$")
    try:
        run = run_start(
            scenario=scenario, seed=body.get("seed"), speed=body.get("speed"), duration=body.get("duration_s")
        )
    except TopologyError as exc:
        return error_response(exc.problems)
    except RunRefused as exc:
        return refused_response(exc)
    return json_ok(_started(run), status=201)


@api_methods("GET")
def run_detail(request: HttpRequest, run_id: str) -> JsonResponse:
    run = find_run(run_id)
    if isinstance(run, JsonResponse):
        return run
    return json_ok(run_summary(run=run))


@api_methods("GET")
def run_series(request: HttpRequest, run_id: str) -> JsonResponse:
    run = find_run(run_id)
    if isinstance(run, JsonResponse):
        return run
    return json_ok({"run_id": run.id, "status": run.status, "points": run.series})


@csrf_exempt
@api_methods("POST")
def run_faults(request: HttpRequest, run_id: str) -> JsonResponse:
    run = find_run(run_id)
    if isinstance(run, JsonResponse):
        return run
    if not owns_run(request, run):
        return forbidden("firing a fault")
    body, failure = read_json(request)
    if failure is not None:
        return failure
    try:
        fault = fault_fire(run=run, fault=body)
    except TopologyError as exc:
        return error_response(exc.problems)
    except RunRefused as exc:
        return refused_response(exc)
    return json_ok({"run_id": run.id, "fault": fault}, status=202)


@csrf_exempt
@api_methods("POST")
def run_stop_view(request: HttpRequest, run_id: str) -> JsonResponse:
    run = find_run(run_id)
    if isinstance(run, JsonResponse):
        return run
    if not owns_run(request, run):
        return forbidden("stopping a run")
    try:
        run = run_stop(run=run)
    except RunRefused as exc:
        return refused_response(exc)
    return json_ok({"run_id": run.id, "status": run.status}, status=202)
