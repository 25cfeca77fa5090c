"""The fan-out benchmark's own arithmetic (bench/viewers.py): percentiles, frames a viewer
missed, and frames of the template's real shape."""

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

from apps.engine.simulation import load_topology
from apps.engine.stream import series_point
from apps.runtime.plan import compile_plan

BENCH = Path(__file__).resolve().parents[2] / "bench" / "viewers.py"


@pytest.fixture(scope="module")
def viewers() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_viewers", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_percentile_is_the_nearest_rank(viewers: ModuleType) -> None:
    values = [float(n) for n in range(1, 101)]
    assert viewers.percentile(values, 50) == 50.0
    assert viewers.percentile(values, 95) == 95.0
    assert viewers.percentile(values, 100) == 100.0
    assert viewers.percentile([7.0], 95) == 7.0
    assert viewers.percentile([], 95) == 0.0


def test_summary_counts_the_frames_each_viewer_missed(viewers: ModuleType) -> None:
    everything = viewers.Viewer(delays_ms=[2.0, 4.0, 6.0], seqs={0, 1, 2, 3})
    skipped = viewers.Viewer(delays_ms=[10.0, 200.0], seqs={0, 1, 3})

    summary = viewers.summarise([everything, skipped], 1, 3)

    assert summary["viewers"] == 2 and summary["frames"] == 3 and summary["received"] == 5
    assert summary["dropped_mean"] == 0.5 and summary["dropped_max"] == 1
    assert summary["p50_ms"] == 6.0 and summary["max_ms"] == 200.0


def test_bench_frames_have_the_templates_nodes_and_instances(viewers: ModuleType) -> None:
    plan = compile_plan(load_topology(viewers.TEMPLATE))

    frame = viewers.bench_frame(plan, 30, 5.0)

    assert frame["t"] == 6.0
    assert set(frame["nodes"]) == set(plan.nodes)
    services = [node for node in plan.nodes.values() if node.kind == "service"]
    assert all(len(frame["nodes"][node.id]["instances"]) == node.instance_count() for node in services)
    assert series_point({**frame, "seq": 1})["nodes"].keys() == frame["nodes"].keys()
