"""Reading a question's figure from a run frame, and scoring answers."""

from apps.topology.playbooks import NODE_METRICS, RUN_METRICS
from apps.training.measure import NODE_READERS, RUN_READERS, pick_choice, read_figure, score_number

FRAME = {
    "t": 12.5,
    "requests": {"created": 200, "completed": 180, "failed": 5, "timed_out": 10, "rejected": 5, "in_flight": 0},
    "messages": {"published": 50, "delivered": 40, "queued": 10},
    "latency_ms": {"p50": 20.0, "p95": 80.5, "p99": 120.0},
    "nodes": {
        "orders": {"processed": 90, "errors": 1, "rps": 9.5, "depth": 3, "p50": 10.0, "p95": 40.0, "busy": 2},
        "payments": {"processed": 80, "errors": 0, "rps": 8.0, "depth": 0, "p95": 95.0, "replicas": 2},
        "idle": {"processed": 0, "errors": 0, "rps": 0.0, "depth": 0},
    },
}


def test_every_metric_the_format_accepts_can_be_read() -> None:
    assert set(RUN_READERS) == set(RUN_METRICS)
    assert set(NODE_READERS) == set(NODE_METRICS)


def test_figures_come_from_the_frame() -> None:
    assert read_figure(FRAME, {"metric": "p95_ms"}) == 80.5
    assert read_figure(FRAME, {"metric": "created"}) == 200
    assert read_figure(FRAME, {"metric": "availability"}) == 90.0  # 180 of 200 that ended
    assert read_figure(FRAME, {"metric": "queued"}) == 10
    assert read_figure(FRAME, {"metric": "depth", "node": "orders"}) == 3
    assert read_figure(FRAME, {"metric": "p95_ms", "node": "payments"}) == 95.0
    assert read_figure(FRAME, {"metric": "p95_ms", "node": "idle"}) is None  # nothing measured yet
    assert read_figure(FRAME, {"metric": "p95_ms", "node": "missing"}) is None
    assert read_figure({"requests": {}}, {"metric": "availability"}) is None


def test_a_choice_is_the_node_with_the_highest_or_lowest_figure() -> None:
    figure = {"metric": "p95_ms", "pick": "max"}
    assert pick_choice(FRAME, figure, ["orders", "payments", "idle"]) == (
        "payments",
        {"orders": 40.0, "payments": 95.0, "idle": None},
    )
    assert pick_choice(FRAME, {**figure, "pick": "min"}, ["orders", "payments"])[0] == "orders"
    assert pick_choice(FRAME, figure, ["idle"])[0] == ""


def test_scores_fall_with_the_distance_from_the_measured_value() -> None:
    assert score_number(100, 100) == 100
    assert score_number(90, 100) == 90
    assert score_number(150, 100) == 50
    assert score_number(500, 100) == 0
    assert score_number(0.5, 0.0) == 50  # tiny values: one unit off scores 0
