import json
from collections import Counter

import pytest

from apps.runtime.physics.balancing import (
    STRATEGIES,
    Balancer,
    IpHash,
    LeastConnections,
    RoundRobin,
    Weighted,
    balancer_from_dict,
    instance_weight,
    make_balancer,
)
from apps.topology.kinds import KINDS

CLIENTS = [f"c{i}" for i in range(1000)]


def through_json(balancer: Balancer) -> Balancer:
    return balancer_from_dict(json.loads(json.dumps(balancer.to_dict())))


def test_strategies_are_the_declared_choices() -> None:
    declared = next(prop for prop in KINDS["load_balancer"].props if prop.name == "strategy")
    assert declared.choices == STRATEGIES
    for strategy in STRATEGIES:
        assert make_balancer(strategy).strategy == strategy


def test_round_robin_over_three_gives_exactly_equal_shares_in_rotation() -> None:
    balancer = RoundRobin()
    picks = [balancer.choose(["b", "c", "a"], client_id="x") for _ in range(300)]
    assert picks[:6] == ["a", "b", "c", "a", "b", "c"]
    assert Counter(picks) == {"a": 100, "b": 100, "c": 100}


def test_round_robin_uses_natural_order_of_ids() -> None:
    balancer = RoundRobin()
    targets = ["api-10", "api-2", "api-1"]
    assert [balancer.choose(targets) for _ in range(3)] == ["api-1", "api-2", "api-10"]


def test_round_robin_rotation_survives_changes_of_the_healthy_set() -> None:
    balancer = RoundRobin()
    assert [balancer.choose(["a", "b", "c", "d"]) for _ in range(2)] == ["a", "b"]
    assert balancer.choose(["a", "c", "d"]) == "c"  # b left: carries on after it
    assert balancer.choose(["a", "d"]) == "d"  # c left too: still after the last one
    assert [balancer.choose(["a", "b", "c", "d"]) for _ in range(3)] == ["a", "b", "c"]  # all back


def test_round_robin_state_round_trips_between_calls() -> None:
    balancer: Balancer = RoundRobin()
    picks = []
    for _ in range(7):
        picks.append(balancer.choose(["a", "b", "c"]))
        balancer = through_json(balancer)
    assert picks == ["a", "b", "c", "a", "b", "c", "a"]


def test_least_connections_picks_the_fewest_in_flight() -> None:
    balancer = LeastConnections()
    assert balancer.choose(["a", "b", "c"], in_flight={"a": 3, "b": 1, "c": 2}) == "b"
    assert balancer.choose(["a", "b", "c"], in_flight={"a": 0, "b": 1, "c": 2}) == "a"
    assert balancer.choose(["a", "b"], in_flight={"a": 4}) == "b"  # missing counts as 0


def test_least_connections_breaks_ties_by_rotation() -> None:
    balancer: Balancer = LeastConnections()
    idle = [balancer.choose(["a", "b", "c"], in_flight={}) for _ in range(6)]
    assert idle == ["a", "b", "c", "a", "b", "c"]
    busy_a = {"a": 5, "b": 1, "c": 1}
    picks = []
    for _ in range(4):
        picks.append(balancer.choose(["a", "b", "c"], in_flight=busy_a))
        balancer = through_json(balancer)
    assert picks == ["b", "c", "b", "c"]


def test_ip_hash_is_sticky_and_spreads_clients() -> None:
    balancer = IpHash()
    first = {client: balancer.choose(["a", "b", "c"], client_id=client) for client in CLIENTS}
    again = {client: through_json(balancer).choose(["c", "a", "b"], client_id=client) for client in CLIENTS}
    assert again == first  # stickiness 1.0, whatever the order the targets come in
    shares = Counter(first.values())
    assert all(250 <= count <= 420 for count in shares.values()), shares


def test_ip_hash_moves_only_the_removed_targets_clients_and_brings_them_back() -> None:
    balancer = IpHash()
    before = {client: balancer.choose(["a", "b", "c"], client_id=client) for client in CLIENTS}
    without_b = {client: balancer.choose(["a", "c"], client_id=client) for client in CLIENTS}
    moved = {client for client in CLIENTS if without_b[client] != before[client]}
    assert moved == {client for client in CLIENTS if before[client] == "b"}
    back = {client: balancer.choose(["a", "b", "c"], client_id=client) for client in CLIENTS}
    assert back == before


def test_weighted_three_two_one_is_exact_and_smooth() -> None:
    balancer: Balancer = Weighted()
    weights = {"a": 3, "b": 2, "c": 1}
    picks = []
    for _ in range(600):
        picks.append(balancer.choose(["a", "b", "c"], weights=weights))
        balancer = through_json(balancer)
    assert picks[:6] == ["a", "b", "a", "c", "b", "a"]  # nginx's smooth interleaving
    assert Counter(picks) == {"a": 300, "b": 200, "c": 100}
    assert all(Counter(picks[i : i + 6]) == {"a": 3, "b": 2, "c": 1} for i in range(0, 600, 6))


def test_weighted_defaults_zero_weights_and_departures() -> None:
    balancer = Weighted()
    assert Counter(balancer.choose(["a", "b"]) for _ in range(10)) == {"a": 5, "b": 5}  # default weight 1
    assert {balancer.choose(["a", "b"], weights={"a": 0, "b": 1}) for _ in range(5)} == {"b"}
    assert Counter(balancer.choose(["a", "b"], weights={"a": 0, "b": 0}) for _ in range(4)) == {"a": 2, "b": 2}
    balancer.choose(["a"], weights={"a": 1})
    assert set(balancer.current) == {"a"}  # a departed target's score is dropped


def test_instance_weights_by_index_default_one() -> None:
    assert [instance_weight([5, 1.5], name) for name in ("0", "1", "2", "10")] == [5, 1.5, 1, 1]
    assert instance_weight([], "0") == 1


def test_weighted_over_instances_multiplies_edge_and_instance_weights() -> None:
    balancer: Balancer = Weighted()
    edge_weights = {"a": 1, "b": 2}
    own = {"a": [5, 1], "b": []}
    weights = {
        f"{node}/{i}": edge_weights[node] * instance_weight(own[node], str(i)) for node in ("a", "b") for i in (0, 1)
    }
    picks = [balancer.choose(sorted(weights), weights=weights) for _ in range(1000)]
    assert Counter(picks) == {"a/0": 500, "a/1": 100, "b/0": 200, "b/1": 200}


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_no_target_is_an_error_for_the_caller(strategy: str) -> None:
    with pytest.raises(ValueError, match="no target"):
        make_balancer(strategy).choose([], client_id="c1", in_flight={}, weights={})


def test_unknown_strategy_is_refused() -> None:
    with pytest.raises(ValueError, match="strategy"):
        make_balancer("random")
