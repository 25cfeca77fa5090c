"""The ledger's last word on a run cut short.

A run is cut when it was stopped and its work in flight did not finish within a moment
(driver.STOP_DRAIN_S), or when its drain outlasted the drain limit. Nothing is dropped
silently: every request without an outcome gets the terminal outcome `cut`, every delivery
still pending the outcome `cut`, both counted, so each id still has exactly one terminal
record and `lost` (ids without one) stays what the engine lost: none.
"""

import json
from typing import Any

from apps.runtime import keys
from apps.runtime.redis import client

SCAN_BATCH = 2000


def cut_open_work(run: str, at_ms: float) -> dict[str, int]:
    """Give every open request and delivery of a (held, quiet) run the outcome `cut`."""
    r = client()
    outcomes = keys.outcomes(run)
    requests_cut = 0
    open_requests: list[tuple[bytes, str]] = []
    for rid_raw, raw in r.hscan_iter(keys.requests(run), count=SCAN_BATCH):
        request: dict[str, Any] = json.loads(raw)
        if request.get("outcome") is None:
            record = {"outcome": "cut", "created": request.get("created", 0.0), "ended": at_ms}
            mine = {"op": request.get("op", ""), "kind": request.get("opkind", ""), "node": request.get("node", "")}
            open_requests.append((rid_raw, json.dumps({**record, **mine})))
        if len(open_requests) >= SCAN_BATCH:
            requests_cut += record_cuts(r, outcomes, open_requests)
            open_requests = []
    requests_cut += record_cuts(r, outcomes, open_requests)
    deliveries_cut = [key for key, value in r.hscan_iter(keys.deliveries(run), count=SCAN_BATCH) if value == b"pending"]
    pipe = r.pipeline(transaction=True)
    for start in range(0, len(deliveries_cut), SCAN_BATCH):
        pipe.hset(keys.deliveries(run), mapping=dict.fromkeys(deliveries_cut[start : start + SCAN_BATCH], "cut"))
    pipe.hincrby(keys.stats(run), "requests:cut", requests_cut)
    pipe.hincrby(keys.stats(run), "messages:cut", len(deliveries_cut))
    pipe.hincrby(keys.stats(run), "deliveries:open", -len(deliveries_cut))
    pipe.execute()
    return {"requests": requests_cut, "deliveries": len(deliveries_cut)}


def record_cuts(r: Any, outcomes: str, records: list[tuple[bytes, str]]) -> int:
    """Write the outcome `cut` of the requests that have none yet, in one round trip; returns
    how many were written."""
    if not records:
        return 0
    pipe = r.pipeline(transaction=False)
    for rid_raw, record in records:
        pipe.hsetnx(outcomes, rid_raw, record)
    return sum(1 for written in pipe.execute() if written)
