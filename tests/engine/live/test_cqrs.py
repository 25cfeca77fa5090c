"""Acceptance 10 (cqrs-reservations): a burst of conflicting commands books each slot once,
checked in the write model's table; queries are served by the read model; the read model
catches up with the write model within its lag, and a replay of the audit log rebuilds it."""

from typing import Any

from apps.domain import projections
from apps.domain.models import Booking, ProjectionRow
from apps.domain.services import records_delete
from apps.engine import audit
from apps.engine.models import AuditEvent
from apps.engine.simulation import load_topology, prepare, simulate
from tests.engine.live.conftest import assert_conserved

SLOTS = 20
LAG_MS = 200.0


def burst_document() -> dict[str, Any]:
    """The template, its users only querying, and a second client that fires ReserveSlot
    commands: 2/s, with a 50x spike (100/s) from 4 s to 7 s — about 370 commands for 20 slots."""
    document = load_topology("cqrs-reservations")
    users = next(n for n in document["nodes"] if n["id"] == "users")
    users["props"].update(rate=65, query_ratio=1.0)
    document["nodes"].append(
        {
            "id": "rush", "kind": "client", "label": "Rush", "position": {"x": 40, "y": 420},
            "props": {
                "rate": 2, "pattern": "spike", "pattern_factor": 50, "pattern_start_s": 4, "pattern_duration_s": 3,
                "clients": 5000, "commands": ["ReserveSlot"], "query_ratio": 0, "timeout_ms": 10_000,
            },
        }
    )  # fmt: skip
    document["edges"].append({"id": "rush-gateway", "from": "rush", "to": "gateway"})
    return prepare(document, settings=[f"reservations.domain.slots={SLOTS}"], faults=[], duration=36, speed="max")


def test_conflicting_commands_book_each_slot_once_and_the_read_model_catches_up(fleet: Any) -> None:
    summary = simulate(burst_document(), drain_timeout_s=90, keep_records=True)
    run = summary["run"]["id"]
    try:
        assert_conserved(summary)
        cqrs = summary["cqrs"]
        commands = cqrs["commands"]["accepted"] + cqrs["commands"]["declined"]
        assert commands >= 200, cqrs

        # The write model, checked in the database: every slot booked exactly once.
        bookings = Booking.objects.filter(run_id=run)
        assert bookings.count() == SLOTS
        assert sorted(bookings.values_list("slot", flat=True)) == list(range(SLOTS))
        assert cqrs["write_models"] == [{"node": "reservations", "bookings": SLOTS, "double_bookings": 0}]
        assert cqrs["commands"]["accepted"] == SLOTS

        # Reads are served by the read model, at least 100 for every write.
        assert cqrs["reads"] >= 100 * cqrs["writes"], cqrs
        read_model = cqrs["read_models"][0]
        assert read_model["reads"] == cqrs["reads"]

        # After the traffic, the read model equals the write model; each row arrived within
        # the lag bound (it is applied `lag_ms` after the event, plus the engine's delay).
        assert read_model["equals_write_model"] and read_model["stale_rows"] == []
        rows = ProjectionRow.objects.filter(run_id=run, node="availability")
        assert {r.key: r.value for r in rows} == projections.write_model_rows(run)
        lags = [r.applied_at_ms - r.event_at_ms for r in rows]
        assert all(LAG_MS - 1 <= lag <= LAG_MS + 500 for lag in lags), lags

        # Rebuilt from the audit log (stored in the database), it is the same.
        assert read_model["equals_replay"]
        assert AuditEvent.objects.filter(run_id=run, kind="published").count() == SLOTS
        rebuilt = projections.rebuild(run, "availability", "availability", audit.published(run))
        assert rebuilt == {"rows_before": SLOTS, "rows_after": SLOTS, "equal": True}
    finally:
        records_delete(run_id=run)
        AuditEvent.objects.filter(run_id=run).delete()
