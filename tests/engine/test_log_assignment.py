"""The event log's pure rules: a key's partition, and how a group's partitions are shared out."""

from collections import Counter

from apps.runtime.nodes.log import assign, partition_for


def test_the_same_key_always_lands_in_the_same_partition() -> None:
    assert partition_for("r42", 4) == partition_for("r42", 4)
    spread = Counter(partition_for(f"r{i}", 4) for i in range(4000))
    assert set(spread) == {0, 1, 2, 3}
    assert all(800 <= n <= 1200 for n in spread.values()), spread
    assert {partition_for(f"r{i}", 1) for i in range(50)} == {0}


def test_range_assignment_gives_contiguous_ranges_the_first_ones_one_more() -> None:
    assert assign(4, ["0|0", "1|0"], "range") == ["0|0", "0|0", "1|0", "1|0"]
    assert assign(5, ["0|0", "1|0"], "range") == ["0|0", "0|0", "0|0", "1|0", "1|0"]
    assert assign(4, ["0|1"], "range") == ["0|1"] * 4


def test_round_robin_deals_partitions_in_turn() -> None:
    assert assign(5, ["0|0", "1|0"], "round_robin") == ["0|0", "1|0", "0|0", "1|0", "0|0"]


def test_more_instances_than_partitions_leave_some_idle_and_nobody_owns_nothing() -> None:
    owners = assign(2, ["0|0", "1|0", "2|0", "3|0"], "range")
    assert owners == ["0|0", "1|0"]
    assert assign(3, [], "range") == ["", "", ""]
