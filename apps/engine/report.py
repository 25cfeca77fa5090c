"""The run report: what `/runs/<id>/` and its offline export show, built from a Run row.

Everything here is a read of the stored run (its summary, its series, the document it ran):
the page is rendered on the server, so its numbers and tables need no JavaScript; the charts
are drawn in the browser from `report_data`.

The summary grows as node kinds gain sections. The parts this module knows get their own
presentation; anything else (a new top-level section, a new per-node section) is rendered
generically by `table_from` as a small table, so a new section shows up without edits here.
"""

import json
import math
from dataclasses import dataclass, field
from typing import Any

from apps.engine.models import Run
from apps.runtime.clock import speed_label
from apps.runtime.physics.availability import format_downtime_per_year, nines

LEDGER = (
    ("completed", "Completed", "ok"),
    ("failed", "Failed", "failed"),
    ("rejected", "Rejected", "rejected"),
    ("timed_out", "Timed out", "timed-out"),
    ("cut", "Cut (stopped before they ended)", "cut"),
    ("in_flight", "In flight", "in-flight"),
)
MESSAGES = (
    ("published", "Published"),
    ("delivered", "Delivered"),
    ("dead_lettered", "Dead-lettered"),
    ("pending", "Pending"),
    ("duplicates", "Duplicates"),
)
MESSAGES_WHEN_ANY = (
    ("rejected", "Rejected"),
    ("dropped", "Dropped"),
    ("redelivered", "Redelivered"),
    ("duplicates_applied", "Handled twice (effect applied again)"),
    ("cut", "Cut (stopped before delivery)"),
)
LATENCY = ("p50", "p95", "p99", "mean", "max")

STATUS_TEXT: dict[str, str] = {
    Run.Status.QUEUED: "Waiting for the workers to have room for it.",
    Run.Status.RUNNING: "Traffic is flowing through the workers now.",
    Run.Status.DRAINING: "The traffic is over; waiting for the work still in flight to end.",
    Run.Status.FINISHED: "Ran to the end and drained.",
    Run.Status.STOPPED: "Stopped early by its owner; what was in flight had a moment to finish.",
    Run.Status.FAILED: "The run could not complete.",
}

# Summary parts with their own presentation; every other top-level key is shown generically.
SUMMARY_SHOWN = {
    "requests", "messages", "lost", "drained", "drain_s", "latency_ms", "availability",
    "availability_nines", "downtime_per_year", "nodes", "faults", "timeline", "run", "trace",
    "unsuccessful", "clock", "engine_errors", "cut",
}  # fmt: skip
NODE_SHOWN = {"kind", "processed", "errors", "latency_ms", "max_queue_depth", "availability", "instances"}
FAULT_SHOWN = {
    "action", "target", "instance", "at_s", "duration_s", "fired_at_s", "undone_at_s", "live",
    "detected_after_s", "recovered_after_s",
}  # fmt: skip
MAX_ROWS = 200  # rows of one generic or listed table (the export must stay a reasonable size)
MAX_CELL = 160  # characters of a nested value shown in one cell


# --- formatting -----------------------------------------------------------------------------


def fmt(value: Any) -> str:
    """A cell: numbers readable, nothing empty, nested values as short JSON."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return "—"
        if value.is_integer() and abs(value) < 1e15:
            return f"{int(value):,}"
        return f"{value:,.3f}".rstrip("0").rstrip(".") if abs(value) < 1000 else f"{value:,.1f}"
    if isinstance(value, (dict, list)):
        text = json.dumps(value, separators=(", ", ": "), ensure_ascii=False)
        return text if len(text) <= MAX_CELL else text[: MAX_CELL - 1] + "…"
    return str(value)


def fmt_ms(value: Any) -> str:
    return "—" if not isinstance(value, (int, float)) else f"{value:,.1f} ms"


def fmt_s(value: Any) -> str:
    return "—" if not isinstance(value, (int, float)) else f"{value:,.2f} s"


def fmt_percent(availability: Any) -> str:
    """99.95 %, with enough decimals to tell 99.99 from 100 (which is only ever exact)."""
    if not isinstance(availability, (int, float)):
        return "—"
    if availability >= 1:
        return "100 %"
    missing = 100 * (1 - availability)  # the unavailable percentage: shown to two significant figures
    decimals = min(6, max(2, 1 - math.floor(math.log10(missing))))
    text = f"{math.floor(availability * 100 * 10**decimals) / 10**decimals:.{decimals}f}"
    while text.endswith("0") and len(text.split(".")[1]) > 2:
        text = text[:-1]
    return f"{text} %"


def humanise(key: str) -> str:
    """A JSON key as a column heading: `detected_after_s` → `detected after (s)`."""
    for suffix, unit in (("_ms", "ms"), ("_s", "s")):
        if key.endswith(suffix) and len(key) > len(suffix):
            return f"{key[: -len(suffix)].replace('_', ' ')} ({unit})"
    return key.replace("_", " ")


# --- generic tables -------------------------------------------------------------------------


@dataclass
class Table:
    title: str
    columns: list[str]
    rows: list[list[str]]
    note: str = ""
    numeric: list[bool] = field(default_factory=list)

    def _is_numeric(self, index: int) -> bool:
        return index < len(self.numeric) and self.numeric[index]

    @property
    def header(self) -> list[tuple[str, bool]]:
        return [(column, self._is_numeric(i)) for i, column in enumerate(self.columns)]

    @property
    def body(self) -> list[list[tuple[str, bool]]]:
        return [[(cell, self._is_numeric(i)) for i, cell in enumerate(row)] for row in self.rows]


def _is_scalar(value: Any) -> bool:
    return value is None or isinstance(value, (str, int, float, bool))


def _numeric_columns(rows: list[list[Any]], width: int) -> list[bool]:
    return [
        all(isinstance(row[i], (int, float)) and not isinstance(row[i], bool) for row in rows if row[i] is not None)
        and any(row[i] is not None for row in rows)
        for i in range(width)
    ]


def _table(title: str, columns: list[str], raw_rows: list[list[Any]], total: int) -> Table:
    note = f"First {MAX_ROWS} of {total:,}." if total > len(raw_rows) else ""
    return Table(
        title=title,
        columns=columns,
        rows=[[fmt(cell) for cell in row] for row in raw_rows],
        note=note,
        numeric=_numeric_columns(raw_rows, len(columns)),
    )


def table_from(title: str, value: Any) -> Table | None:
    """A small table for any JSON value, or None when there is nothing to show.

    A list of objects gets a column per key; an object of objects a row per entry (its key
    first); an object of plain values two columns; a list of plain values or lists one row
    each. Deeper nesting is shown as short JSON in its cell.
    """
    if value is None or value == {} or value == []:
        return None
    if _is_scalar(value):
        return Table(title=title, columns=["value"], rows=[[fmt(value)]])
    if isinstance(value, dict):
        items = list(value.items())
        if all(isinstance(v, dict) for _, v in items):
            keys = _union_keys([v for _, v in items])
            rows = [[k, *(v.get(key) for key in keys)] for k, v in items[:MAX_ROWS]]
            return _table(title, ["", *(humanise(key) for key in keys)], rows, len(items))
        rows = [[humanise(str(k)), v] for k, v in items[:MAX_ROWS]]
        table = _table(title, ["", "value"], rows, len(items))
        table.numeric = [False, all(isinstance(v, (int, float)) and not isinstance(v, bool) for _, v in items)]
        return table
    if isinstance(value, list):
        if all(isinstance(v, dict) for v in value):
            keys = _union_keys(value)
            rows = [[v.get(key) for key in keys] for v in value[:MAX_ROWS]]
            return _table(title, [humanise(key) for key in keys], rows, len(value))
        width = max((len(v) if isinstance(v, list) else 1) for v in value)
        rows = [
            (v + [None] * (width - len(v))) if isinstance(v, list) else [v, *([None] * (width - 1))]
            for v in value[:MAX_ROWS]
        ]
        return _table(title, [f"{i + 1}" for i in range(width)] if width > 1 else ["value"], rows, len(value))
    return Table(title=title, columns=["value"], rows=[[fmt(value)]])


def tables_from(title: str, value: Any, *, depth: int = 2) -> list[Table]:
    """Like `table_from`, but an object mixing plain values with nested ones is split: its plain
    values in one table, each nested part in a table of its own (`title · key`), `depth` levels
    down; deeper than that, nested values are short JSON in their cell."""
    if isinstance(value, dict) and depth > 0 and not all(isinstance(v, dict) for v in value.values()):
        plain = {k: v for k, v in value.items() if _is_scalar(v)}
        nested = {k: v for k, v in value.items() if not _is_scalar(v)}
        if nested:
            tables = [table] if plain and (table := table_from(title, plain)) is not None else []
            for key, part in nested.items():
                tables += tables_from(f"{title} · {humanise(str(key))}", part, depth=depth - 1)
            return tables
    table = table_from(title, value)
    return [table] if table is not None else []


def _union_keys(objects: list[dict[str, Any]]) -> list[str]:
    keys: list[str] = []
    for obj in objects:
        keys.extend(key for key in obj if key not in keys)
    return keys


# --- the parts of a report ------------------------------------------------------------------


def node_labels(document: Any) -> dict[str, str]:
    nodes = document.get("nodes", []) if isinstance(document, dict) else []
    return {
        str(n["id"]): str(n.get("label") or n["id"]) for n in nodes if isinstance(n, dict) and n.get("id") is not None
    }


def _ledger(requests: dict[str, Any]) -> dict[str, Any]:
    created = int(requests.get("created") or 0)
    parts = []
    for key, label, css in LEDGER:
        count = int(requests.get(key) or 0)
        parts.append(
            {
                "key": key,
                "label": label,
                "css": css,
                "count": count,
                "text": fmt(count),
                "share": round(100 * count / created, 3) if created else 0.0,
            }
        )
    return {"created": created, "created_text": fmt(created), "parts": parts}


def _messages(messages: dict[str, Any]) -> list[dict[str, str]]:
    shown = [{"label": label, "value": fmt(messages.get(key, 0)), "key": key} for key, label in MESSAGES]
    shown += [
        {"label": label, "value": fmt(messages[key]), "key": key}
        for key, label in MESSAGES_WHEN_ANY
        if messages.get(key)
    ]
    return shown


def _availability(value: Any) -> dict[str, str]:
    if not isinstance(value, (int, float)):
        return {"percent": "—", "nines": "—", "downtime": "—"}
    level = nines(value)
    return {
        "percent": fmt_percent(value),
        "nines": "no failed request" if math.isinf(level) else f"{level:.2f} nines",
        "downtime": format_downtime_per_year(value),
    }


def _fault_rows(faults: list[dict[str, Any]], labels: dict[str, str]) -> list[dict[str, Any]]:
    rows = []
    for fault in faults:
        target = str(fault.get("target", ""))
        details = {k: v for k, v in fault.items() if k not in FAULT_SHOWN}
        rows.append(
            {
                "action": humanise(str(fault.get("action", ""))),
                "target": labels.get(target, target),
                "target_id": target,
                "instance": fmt(fault.get("instance")) if "instance" in fault else "",
                "live": bool(fault.get("live")),
                "scheduled": fmt_s(fault.get("at_s")) if not fault.get("live") else "live",
                "fired": fmt_s(fault.get("fired_at_s")),
                "undone": fmt_s(fault.get("undone_at_s")),
                "detected": fmt_s(fault.get("detected_after_s")),
                "recovered": fmt_s(fault.get("recovered_after_s")),
                "details": ", ".join(f"{humanise(k)} {fmt(v)}" for k, v in details.items()),
            }
        )
    return rows


def _instances_text(instances: dict[str, Any]) -> str:
    if not instances:
        return "—"
    current = [i for i in instances.values() if isinstance(i, dict) and not i.get("retired")]
    alive = sum(1 for i in current if i.get("alive") and not i.get("standby"))
    standby = sum(1 for i in current if i.get("standby"))
    retired = len(instances) - len(current)
    text = f"{alive} of {len(current)} up"
    if standby:
        text += f", {standby} standby"
    if retired:
        text += f", {retired} retired"
    return text


def _node_row(node_id: str, node: dict[str, Any], labels: dict[str, str]) -> dict[str, Any]:
    latency = node.get("latency_ms") or {}
    processed = node.get("processed")
    return {
        "id": node_id,
        "label": labels.get(node_id, node_id),
        "kind": humanise(str(node.get("kind", ""))),
        "processed": fmt(processed),
        "errors": fmt(node.get("errors")),
        "has_errors": bool(node.get("errors")),
        "p50": fmt_ms(latency.get("p50")) if processed else "—",
        "p95": fmt_ms(latency.get("p95")) if processed else "—",
        "p99": fmt_ms(latency.get("p99")) if processed else "—",
        "max_queue_depth": fmt(node.get("max_queue_depth")),
        "availability": fmt_percent(node.get("availability")) if processed else "—",
        "instances": _instances_text(node.get("instances") or {}),
    }


def _node_sections(node_id: str, node: dict[str, Any], labels: dict[str, str]) -> list[Table]:
    """The kind-specific parts of one node's summary, as small tables."""
    name = labels.get(node_id, node_id)
    tables: list[Table] = []
    lb = node.get("load_balancer")
    if isinstance(lb, dict):
        shares, sent = lb.get("shares") or {}, lb.get("requests") or {}
        if shares or sent:
            rows = [[t, f"{100 * float(shares.get(t, 0)):.1f} %", sent.get(t, 0)] for t in sorted({*shares, *sent})]
            table = _table(f"{name}: load balancer shares", ["target", "share", "requests"], rows, len(rows))
            if lb.get("stickiness") is not None:
                sticky = 100 * float(lb["stickiness"])
                table.note = f"Stickiness: {sticky:.1f} % of a client's repeat requests reached the same instance."
            tables.append(table)
        changes = lb.get("health_changes") or []
        if changes:
            rows = [
                [fmt_s(c.get("t", 0) / 1000), c.get("target"), "healthy" if c.get("healthy") else "unhealthy",
                 "passive" if c.get("passive") else "health check"]
                for c in changes[:MAX_ROWS]
            ]  # fmt: skip
            tables.append(_table(f"{name}: health changes", ["at", "target", "now", "seen by"], rows, len(changes)))
    mailboxes = node.get("mailboxes")
    if isinstance(mailboxes, dict) and mailboxes:
        rows = [[box, m.get("delivered"), m.get("deliveries"), m.get("max_depth")] for box, m in mailboxes.items()]
        tables.append(
            _table(f"{name}: mailboxes", ["mailbox", "delivered", "deliveries", "max depth"], rows, len(rows))
        )
    events = node.get("scaling_events")
    if isinstance(events, list) and events:
        rows = [[fmt_s(e.get("t", 0) / 1000), e.get("from"), e.get("to"), e.get("metric")] for e in events[:MAX_ROWS]]
        tables.append(_table(f"{name}: scaling events", ["at", "from", "to", "metric"], rows, len(events)))
    breakers = node.get("breakers")
    if isinstance(breakers, dict):
        rows = [
            [labels.get(edge, edge), fmt_s(t[0]), t[1], t[2]]
            for edge, transitions in breakers.items()
            for t in (transitions or [])
            if isinstance(t, list) and len(t) >= 3
        ]
        if rows:
            tables.append(
                _table(f"{name}: circuit breaker transitions", ["edge", "at", "from", "to"], rows[:MAX_ROWS], len(rows))
            )
    for key, value in node.items():
        if key in NODE_SHOWN or key in ("load_balancer", "mailboxes", "scaling_events", "breakers"):
            continue
        tables += tables_from(f"{name}: {humanise(key)}", value)
    return tables


def _unsuccessful(summary: dict[str, Any]) -> Table | None:
    items = summary.get("unsuccessful") or []
    if not items:
        return None
    rows = [
        [i.get("rid"), humanise(str(i.get("outcome", ""))), fmt_s(i.get("created_s")), fmt_s(i.get("ended_s"))]
        for i in items[:MAX_ROWS]
    ]
    total = int((summary.get("requests") or {}).get("created", 0)) - int(
        (summary.get("requests") or {}).get("completed", 0)
    )
    return _table(
        "Unsuccessful requests", ["request", "outcome", "created at", "ended at"], rows, max(total, len(items))
    )


def _yes_no(value: Any) -> dict[str, str] | None:
    """A check's verdict for a badge: {text, css}, or None when it was not made."""
    if not isinstance(value, bool):
        return None
    return {"text": "yes" if value else "no", "css": "ok" if value else "bad"}


def _cqrs(summary: dict[str, Any], labels: dict[str, str]) -> dict[str, Any] | None:
    """The CQRS section: commands against queries, the write models' double bookings, and per
    read model its rows, reads (stale ones too), projection lag and the replay check."""
    cqrs = summary.get("cqrs")
    if not isinstance(cqrs, dict):
        return None
    commands = cqrs.get("commands") or {}
    writes = [
        {
            "label": labels.get(str(w.get("node")), str(w.get("node"))),
            "bookings": fmt(w.get("bookings")),
            "double_bookings": fmt(w.get("double_bookings")),
            "doubles": int(w.get("double_bookings") or 0),
        }
        for w in cqrs.get("write_models") or []
        if isinstance(w, dict)
    ]
    reads = []
    for model in cqrs.get("read_models") or []:
        if not isinstance(model, dict):
            continue
        lag = model.get("lag_ms") or {}
        count = int(model.get("reads") or 0)
        stale = int(model.get("stale_reads") or 0)
        reads.append(
            {
                "node": str(model.get("node")),
                "label": labels.get(str(model.get("node")), str(model.get("node"))),
                "projection": str(model.get("projection") or ""),
                "rows": fmt(model.get("rows")),
                "projected": fmt(model.get("projected")),
                "reads": fmt(count),
                "stale_reads": fmt(stale),
                "stale_share": f"{100 * stale / count:.1f} %" if count else "—",
                "lag_p50": fmt_ms(lag.get("p50")),
                "lag_p95": fmt_ms(lag.get("p95")),
                "lag_max": fmt_ms(lag.get("max")),
                "lag_bound": fmt_ms(model.get("lag_bound_ms")),
                "equals_replay": _yes_no(model.get("equals_replay")),
                "equals_write_model": _yes_no(model.get("equals_write_model")),
                "stale_rows": len(model.get("stale_rows") or []),
            }
        )
    return {
        "reads": fmt(cqrs.get("reads")),
        "writes": fmt(cqrs.get("writes")),
        "reads_per_write": fmt(cqrs.get("reads_per_write")),
        "accepted": fmt(commands.get("accepted")),
        "declined": fmt(commands.get("declined")),
        "double_bookings": sum(w["doubles"] for w in writes),
        "write_models": writes,
        "read_models": reads,
    }


def _outbox(summary: dict[str, Any], labels: dict[str, str]) -> dict[str, Any] | None:
    outbox = summary.get("outbox")
    if not isinstance(outbox, dict) or "sent" not in outbox:
        return None
    emails = [
        {
            "at": fmt_s(e.get("at_s")),
            "to": str(e.get("to", "")),
            "subject": str(e.get("subject", "")),
            "corr": str(e.get("corr", "")),
            "by": labels.get(str(e.get("node")), str(e.get("node", ""))),
        }
        for e in (outbox.get("latest") or [])[:MAX_ROWS]
        if isinstance(e, dict)
    ]
    return {"sent": fmt(outbox.get("sent", 0)), "listed": len(emails), "emails": emails}


def _clock(summary: dict[str, Any]) -> dict[str, Any] | None:
    """How fast the run went, and whether the workers held it back (all figures are in run
    time, so they are the same whatever the speed)."""
    clock = summary.get("clock")
    if not isinstance(clock, dict):
        return None
    disorder = clock.get("out_of_order") or {}
    effective = clock.get("effective_speed")
    return {
        "speed": clock.get("speed", "—"),
        "effective": f"{effective:.2f}×" if isinstance(effective, (int, float)) else "—",
        "lowest": f"{clock['min_effective_speed']:.2f}×" if clock.get("min_effective_speed") is not None else "—",
        "held_back": fmt_s(clock.get("held_back_s", 0)),
        "limited": bool(clock.get("limited")),
        "text": clock.get("text") or "",
        "events": fmt(clock.get("events", 0)),
        "steps": fmt(clock.get("steps", 0)),
        "out_of_order": fmt(disorder.get("events", 0)),
        "out_of_order_max": fmt_ms(disorder.get("max_ms", 0)),
        "engine_errors": int(summary.get("engine_errors") or 0),
    }


def _section_title(key: str) -> str:
    title = humanise(key)
    return title.upper() if len(title) <= 4 else title[:1].upper() + title[1:]


def report_data(*, run: Run, labels: dict[str, str]) -> dict[str, Any]:
    """What the charts are drawn from (embedded in the page as JSON)."""
    summary = run.summary or {}
    return {
        "run_id": run.id,
        "status": run.status,
        "ended": run.ended,
        "duration_s": run.duration_s,
        "labels": labels,
        "series": run.series or [],
        "timeline": summary.get("timeline") or [],
        "clock": (summary.get("clock") or {}).get("series") or [],
        "faults": [
            {
                "action": f.get("action"),
                "target": labels.get(str(f.get("target")), f.get("target")),
                "fired_at_s": f.get("fired_at_s"),
                "undone_at_s": f.get("undone_at_s"),
            }
            for f in summary.get("faults") or []
            if isinstance(f, dict)
        ],
    }


def report_context(*, run: Run) -> dict[str, Any]:
    """Everything the report template shows (never the scenario's edit secret: only its slug
    and name are read from it)."""
    summary: dict[str, Any] = run.summary or {}
    labels = node_labels(run.document)
    scenario = run.scenario
    name = scenario.name if scenario is not None else str((run.document or {}).get("name") or "Deleted scenario")
    requests = summary.get("requests") or {}
    latency = summary.get("latency_ms") or {}
    nodes = summary.get("nodes") or {}
    lost = summary.get("lost")
    wall_s = (run.ended_at - run.started_at).total_seconds() if run.ended_at and run.started_at else None
    cqrs, outbox = _cqrs(summary, labels), _outbox(summary, labels)
    shown = SUMMARY_SHOWN | {key for key, section in (("cqrs", cqrs), ("outbox", outbox)) if section is not None}
    extra = [
        table for key, value in summary.items() if key not in shown for table in tables_from(_section_title(key), value)
    ]
    return {
        "run": run,
        "scenario_name": name,
        "scenario_slug": scenario.slug if scenario is not None else None,
        "status_text": STATUS_TEXT.get(run.status, ""),
        "active": run.status in Run.ACTIVE,
        "has_summary": bool(summary),
        "wall_s": fmt_s(wall_s) if wall_s is not None else None,
        "duration": fmt_s(run.duration_s),
        "speed": speed_label(run.speed),
        "seed": str(run.seed),
        "stopped": bool((summary.get("run") or {}).get("stopped")),
        "drained": summary.get("drained"),
        "cut": summary.get("cut"),
        "drain_s": fmt_s(summary.get("drain_s")),
        "lost": lost,
        "lost_text": fmt(lost) if lost is not None else "—",
        "ledger": _ledger(requests),
        "retries": fmt(requests.get("retries", 0)),
        "message_counts": _messages(summary.get("messages") or {}),
        "has_messages": bool((summary.get("messages") or {}).get("published")),
        "latency": [{"label": key, "value": fmt_ms(latency.get(key))} for key in LATENCY],
        "availability": _availability(summary.get("availability")),
        "faults": _fault_rows([f for f in summary.get("faults") or [] if isinstance(f, dict)], labels),
        "nodes": [_node_row(node_id, node, labels) for node_id, node in nodes.items() if isinstance(node, dict)],
        "node_sections": [
            table
            for node_id, node in nodes.items()
            if isinstance(node, dict)
            for table in _node_sections(node_id, node, labels)
        ],
        "unsuccessful": _unsuccessful(summary),
        "cqrs": cqrs,
        "outbox": outbox,
        "clock": _clock(summary),
        "extra_sections": extra,
        "data": report_data(run=run, labels=labels),
    }
