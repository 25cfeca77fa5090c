"""One validator for every way a topology comes in: API, import, editor save, CLI.

`parse_and_validate(raw)` takes bytes or text; `validate_document(doc)` a parsed value. Both
return a `Validation` whose problems each name a JSON path (`$.nodes[2].props.replicas`) and
the reason. Errors make a document unusable; warnings are shown but do not block.
"""

import json
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Literal

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from apps.topology.faults import FAULT_TYPES
from apps.topology.flow_rules import check_flow_rules
from apps.topology.kind_rules import check_kind_rules
from apps.topology.kinds import KINDS
from apps.topology.playbooks import check_playbooks
from apps.topology.schema import build_schema

MAX_DOCUMENT_BYTES = 1_000_000
MAX_REPORTED = 100
MAX_INTEGER_DIGITS = 4000  # Python refuses to read ints of over 4,300 digits; any shorter one is read
# and checked like every other value (a document gets the same problems as its JSON text)

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Problem:
    path: str
    message: str
    severity: Severity = "error"
    target: str | None = None  # id of the node or edge the problem is about, for the canvas

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"path": self.path, "message": self.message}
        if self.severity != "error":
            out["severity"] = self.severity
        if self.target:
            out["target"] = self.target
        return out


@dataclass
class Validation:
    document: Any = None
    problems: list[Problem] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    @property
    def ok(self) -> bool:
        return not self.errors


class TopologyError(ValueError):
    """Raised by services given an invalid document; carries the problems."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("; ".join(f"{p.path}: {p.message}" for p in problems[:5]))


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not valid JSON")


class _LongInteger:
    """Stands in for an integer of more than MAX_INTEGER_DIGITS digits while parsing, so that
    the problem can name where it is."""

    def __init__(self, digits: int) -> None:
        self.digits = digits


def _parse_int(found: list[_LongInteger], text: str) -> int | _LongInteger:
    digits = len(text.lstrip("-"))
    if digits <= MAX_INTEGER_DIGITS:
        return int(text)
    found.append(_LongInteger(digits))
    return found[-1]


def _long_integers(value: Any) -> list[Problem]:
    """A problem for each integer too long to read, at its path."""
    problems: list[Problem] = []
    stack: list[tuple[list[Any], Any]] = [([], value)]
    while stack and len(problems) < MAX_REPORTED:
        parts, item = stack.pop()
        if isinstance(item, _LongInteger):
            message = f"must be a number of at most {MAX_INTEGER_DIGITS} digits (got {item.digits:,} digits)"
            problems.append(Problem(json_path(parts), message))
        elif isinstance(item, dict):
            stack.extend(([*parts, key], child) for key, child in reversed(item.items()))
        elif isinstance(item, list):
            stack.extend(([*parts, index], child) for index, child in reversed(list(enumerate(item))))
    return problems


def parse_json(raw: bytes | str) -> tuple[Any, list[Problem]]:
    """Read JSON text (≤ 1 MB, UTF-8, no NaN/Infinity, no integer of over MAX_INTEGER_DIGITS
    digits). Returns (value, []) or (None, problems)."""
    size = len(raw.encode("utf-8", "surrogatepass") if isinstance(raw, str) else raw)
    if size > MAX_DOCUMENT_BYTES:
        return None, [Problem("$", f"document is {size:,} bytes; the limit is {MAX_DOCUMENT_BYTES:,}")]
    try:
        text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
        found: list[_LongInteger] = []
        value = json.loads(text, parse_constant=_reject_constant, parse_int=partial(_parse_int, found))
        if found and not isinstance(value, dict):  # not a document at all: say that first
            return None, [Problem("$", "must be a JSON object (a topology document)")]
        return (None, _long_integers(value)) if found else (value, [])
    except UnicodeDecodeError:
        return None, [Problem("$", "document is not UTF-8 text")]
    except RecursionError:
        return None, [Problem("$", "document is nested too deeply")]
    except ValueError as exc:
        return None, [Problem("$", f"not valid JSON: {exc}")]


def parse_and_validate(raw: bytes | str) -> Validation:
    document, problems = parse_json(raw)
    if problems:
        return Validation(problems=problems)
    return validate_document(document)


def validate_document(document: Any) -> Validation:
    result = Validation(document=document)
    if not isinstance(document, dict):
        result.problems.append(Problem("$", "must be a JSON object (a topology document)"))
        return result
    try:
        size = len(json.dumps(document, allow_nan=False))
    except (ValueError, TypeError, RecursionError):
        result.problems.append(Problem("$", "contains values that are not plain JSON (NaN, Infinity or deep nesting)"))
        return result
    if size > MAX_DOCUMENT_BYTES:
        result.problems.append(Problem("$", f"document is {size:,} bytes; the limit is {MAX_DOCUMENT_BYTES:,}"))
        return result
    text_problems = _text_problems(document)
    if text_problems:
        result.problems.extend(text_problems[:MAX_REPORTED])
        return result
    schema_problems = _schema_problems(document)
    if schema_problems:
        result.problems.extend(schema_problems[:MAX_REPORTED])
        return result
    result.problems.extend(_SemanticCheck(document).run()[:MAX_REPORTED])
    return result


def _is_bad_text(text: str) -> bool:
    """NUL or an unpaired surrogate: JSON can carry both as escapes, but no page or database can."""
    if "\x00" in text:
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _text_problems(document: dict[str, Any]) -> list[Problem]:
    problems: list[Problem] = []
    stack: list[tuple[Any, list[Any]]] = [(document, [])]
    while stack and len(problems) < MAX_REPORTED:
        value, path = stack.pop()
        if isinstance(value, str) and _is_bad_text(value):
            message = "text must not contain NUL characters or unpaired surrogates"
            problems.append(Problem(json_path(path), message, target=_target_for(document, path)))
        elif isinstance(value, dict):
            for key, child in value.items():
                if _is_bad_text(key):
                    message = "has a key with a NUL character or an unpaired surrogate"
                    problems.append(Problem(json_path(path), message, target=_target_for(document, path)))
                else:
                    stack.append((child, [*path, key]))
        elif isinstance(value, list):
            stack.extend((child, [*path, index]) for index, child in enumerate(value))
    return sorted(problems, key=lambda p: p.path)


# --- schema -------------------------------------------------------------------------------

_validator = Draft202012Validator(build_schema())


def json_path(parts: Any) -> str:
    out = "$"
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


def _message(error: ValidationError) -> str:
    value = error.validator_value
    instance = error.instance
    match error.validator:
        case "minimum":
            return f"must be at least {number_text(value)} (got {_short(instance)})"
        case "maximum":
            return f"must be at most {number_text(value)} (got {_short(instance)})"
        case "exclusiveMinimum":
            return f"must be above {number_text(value)} (got {_short(instance)})"
        case "maxLength":
            return f"must be at most {value} characters (got {len(instance)})"
        case "minLength":
            return "must not be empty" if value == 1 else f"must be at least {value} characters"
        case "maxItems":
            return f"must have at most {value} items (got {len(instance)})"
        case "minItems":
            return f"must have at least {value} item{'' if value == 1 else 's'} (got {len(instance)})"
        case "enum":
            return f"must be one of {', '.join(map(str, value))} (got {_short(instance)})"
        case "const":
            return f"must be {value!r} (got {_short(instance)})"
        case "type":
            return f"must be of type {value} (got {type(instance).__name__})"
        case "pattern":
            return f"{_short(instance)} is not a valid id or name (letters, digits, _ and -, starting with a letter)"
        case "required":
            return error.message.replace("is a required property", "is required")
        case "additionalProperties":
            extra = sorted(set(instance) - set(error.schema.get("properties", {})))
            return f"unknown propert{'y' if len(extra) == 1 else 'ies'}: {', '.join(map(_short, extra))}"
        case "uniqueItems":
            return "must not repeat a name"
        case "anyOf":
            ranged = [sub for sub in error.context or [] if sub.validator in ("minimum", "maximum")]
            words = [choice for option in value for choice in option.get("enum", [])]
            if ranged and words:  # a number out of range: say which bound, and the words allowed
                return f"{_message(ranged[0])}, or {' or '.join(map(str, words))}"
            return f"must be {' or '.join(_describe(option) for option in value)} (got {_short(instance)})"
    return error.message


def number_text(value: Any) -> str:
    """A bound or a value in a message, as it would be written: an integer exactly (2147483647,
    not 2.14748e+09, also when it is stored as a float), another number as short as reads back."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e16:
        return str(int(value))
    return repr(value) if isinstance(value, float) else str(value)


def _describe(schema: dict[str, Any]) -> str:
    """A sub-schema in words: `a number from 0.1 to 10`, `max`."""
    if "enum" in schema:
        return " or ".join(str(choice) for choice in schema["enum"])
    kind = "an integer" if schema.get("type") == "integer" else "a number"
    if "minimum" in schema and "maximum" in schema:
        return f"{kind} from {number_text(schema['minimum'])} to {number_text(schema['maximum'])}"
    return kind


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _schema_problems(document: dict[str, Any]) -> list[Problem]:
    problems = []
    errors = sorted(_validator.iter_errors(document), key=lambda e: [str(p) for p in e.absolute_path])
    for error in errors:
        path = list(error.absolute_path)
        if error.validator == "required":
            missing = error.message.split("'")[1] if "'" in error.message else ""
            path.append(missing) if missing else None
        target = _target_for(document, path)
        problems.append(Problem(json_path(path), _message(error), target=target))
    return problems


def _target_for(document: dict[str, Any], path: list[Any]) -> str | None:
    if len(path) >= 2 and path[0] in ("nodes", "edges") and isinstance(path[1], int):
        items = document.get(path[0])
        if isinstance(items, list) and path[1] < len(items) and isinstance(items[path[1]], dict):
            ident = items[path[1]].get("id")
            return ident if isinstance(ident, str) else None
    return None


# --- semantics ----------------------------------------------------------------------------


class _SemanticCheck:
    """Rules JSON Schema cannot say. The document has passed the schema."""

    def __init__(self, document: dict[str, Any]):
        self.doc = document
        self.nodes: list[dict[str, Any]] = document["nodes"]
        self.edges: list[dict[str, Any]] = document["edges"]
        self.problems: list[Problem] = []
        self.node_by_id: dict[str, dict[str, Any]] = {}
        self.edge_by_id: dict[str, dict[str, Any]] = {}
        self.duration_s: float = (document.get("run") or {}).get("duration_s", 30)

    def error(self, path: str, message: str, target: str | None = None) -> None:
        self.problems.append(Problem(path, message, "error", target))

    def warn(self, path: str, message: str, target: str | None = None) -> None:
        self.problems.append(Problem(path, message, "warning", target))

    def run(self) -> list[Problem]:
        self.check_ids()
        self.check_node_props()
        self.check_edges()
        self.check_targets()
        self.check_sync_cycles()
        self.check_faults()
        self.check_playbooks()
        self.check_names()
        check_kind_rules(self)
        check_flow_rules(self)
        return self.problems

    def check_ids(self) -> None:
        seen: dict[str, str] = {}
        for index, node in enumerate(self.nodes):
            path = f"$.nodes[{index}].id"
            if node["id"] in seen:
                self.error(path, f"duplicate id {node['id']!r} (also at {seen[node['id']]})", node["id"])
            else:
                seen[node["id"]] = path
                self.node_by_id[node["id"]] = node
        for index, edge in enumerate(self.edges):
            path = f"$.edges[{index}].id"
            if edge["id"] in seen:
                self.error(path, f"duplicate id {edge['id']!r} (also at {seen[edge['id']]})", edge["id"])
            else:
                seen[edge["id"]] = path
                self.edge_by_id[edge["id"]] = edge

    def check_node_props(self) -> None:
        for index, node in enumerate(self.nodes):
            props = node.get("props") or {}
            base = f"$.nodes[{index}].props"
            zone = props.get("zone")
            if zone:
                target = self.node_by_id.get(zone)
                if target is None or target["kind"] != "zone":
                    self.error(f"{base}.zone", f"{zone!r} is not the id of a zone node", node["id"])
            scaling = props.get("autoscaling") or {}
            low, high = scaling.get("min", 1), scaling.get("max", 5)
            if scaling.get("enabled") and low > high:
                self.error(f"{base}.autoscaling.min", f"min replicas ({low}) is above max ({high})", node["id"])
            weights = props.get("instance_weights") or []
            replicas = props.get("replicas", 1)
            if len(weights) > replicas:
                message = f"has {len(weights)} weights for {replicas} replica{'s' if replicas != 1 else ''}"
                self.error(f"{base}.instance_weights", f"{message}: at most one per replica", node["id"])
            elif weights and not self.behind_weighted_balancer(node["id"]):
                message = "instance weights act only behind a load balancer with the weighted strategy"
                self.warn(f"{base}.instance_weights", message, node["id"])
            if node["kind"] == "client":
                self.check_client(base, node["id"], props)

    def check_client(self, base: str, node_id: str, props: dict[str, Any]) -> None:
        """A mix names each operation once and replaces the commands, queries and query share."""
        mix = props.get("mix") or []
        if mix:
            seen: dict[str, int] = {}
            for index, entry in enumerate(mix):
                if entry["operation"] in seen:
                    message = f"{entry['operation']!r} is already in the mix (at mix[{seen[entry['operation']]}])"
                    self.error(f"{base}.mix[{index}].operation", message, node_id)
                seen.setdefault(entry["operation"], index)
            return
        queries = props.get("queries", [])
        commands = props.get("commands", ["PlaceOrder"])
        ratio = props.get("query_ratio", 0.0)
        if ratio > 0 and not queries:
            self.error(f"{base}.queries", "query share is above 0 but no query names are given", node_id)
        if ratio < 1 and not commands:
            self.error(f"{base}.commands", "query share is below 1 but no command names are given", node_id)

    def behind_weighted_balancer(self, node_id: str) -> bool:
        """Whether a load balancer with the weighted strategy has an edge to the node."""
        sources = [self.node_by_id.get(edge["from"]) for edge in self.edges if edge["to"] == node_id]
        return any(
            source is not None
            and source["kind"] == "load_balancer"
            and (source.get("props") or {}).get("strategy") == "weighted"
            for source in sources
        )

    def check_edges(self) -> None:
        pairs: dict[tuple[str, str], int] = {}
        for index, edge in enumerate(self.edges):
            base = f"$.edges[{index}]"
            source = self.node_by_id.get(edge["from"])
            target = self.node_by_id.get(edge["to"])
            if source is None:
                self.error(f"{base}.from", f"no node has id {edge['from']!r}", edge["id"])
            if target is None:
                self.error(f"{base}.to", f"no node has id {edge['to']!r}", edge["id"])
            if source is None or target is None:
                continue
            if edge["from"] == edge["to"]:
                self.error(base, "an edge cannot connect a node to itself", edge["id"])
                continue
            source_kind, target_kind = KINDS[source["kind"]], KINDS[target["kind"]]
            if not source_kind.sends:
                self.error(f"{base}.from", f"a {source['kind'].replace('_', ' ')} cannot send anywhere", edge["id"])
            if not target_kind.receives:
                self.error(f"{base}.to", f"nothing can send into a {target['kind'].replace('_', ' ')}", edge["id"])
            pair = (edge["from"], edge["to"])
            if pair in pairs:
                self.error(base, f"duplicate of edge at $.edges[{pairs[pair]}]", edge["id"])
            pairs.setdefault(pair, index)
            breaker = (edge.get("props") or {}).get("circuit_breaker") or {}
            if breaker.get("enabled") and self.is_messaging(edge):
                self.warn(
                    f"{base}.props.circuit_breaker", "a circuit breaker only acts on synchronous calls", edge["id"]
                )

    def check_targets(self) -> None:
        outgoing: dict[str, int] = {}
        incoming: dict[str, int] = {}
        for edge in self.edges:
            outgoing[edge["from"]] = outgoing.get(edge["from"], 0) + 1
            incoming[edge["to"]] = incoming.get(edge["to"], 0) + 1
        for index, node in enumerate(self.nodes):
            kind = KINDS[node["kind"]]
            base = f"$.nodes[{index}]"
            count = outgoing.get(node["id"], 0)
            if count < kind.required_targets:
                self.error(base, f"a {kind.label.lower()} needs at least one outgoing edge to a target", node["id"])
            if kind.messaging and count == 0:
                self.warn(base, f"this {kind.label.lower()} has no consumer: messages will only pile up", node["id"])
            if kind.messaging and incoming.get(node["id"], 0) == 0:
                self.warn(base, f"nothing publishes to this {kind.label.lower()}", node["id"])

    def is_messaging(self, edge: dict[str, Any]) -> bool:
        ends = (self.node_by_id.get(edge["from"]), self.node_by_id.get(edge["to"]))
        return any(end is not None and KINDS[end["kind"]].messaging for end in ends)

    def check_sync_cycles(self) -> None:
        graph: dict[str, list[tuple[str, str]]] = {}
        for edge in self.edges:
            known = edge["from"] in self.node_by_id and edge["to"] in self.node_by_id
            if known and edge["from"] != edge["to"] and not self.is_messaging(edge):
                graph.setdefault(edge["from"], []).append((edge["to"], edge["id"]))
        state: dict[str, int] = {}  # 1 visiting, 2 done
        reported: set[frozenset[str]] = set()
        for start in graph:
            if state.get(start):
                continue
            stack: list[tuple[str, int]] = [(start, 0)]
            trail: list[str] = []
            edge_trail: list[str] = []
            state[start] = 1
            trail.append(start)
            while stack:
                node, position = stack[-1]
                children = graph.get(node, [])
                if position >= len(children):
                    stack.pop()
                    state[node] = 2
                    trail.pop()
                    if edge_trail:
                        edge_trail.pop()
                    continue
                stack[-1] = (node, position + 1)
                child, edge_id = children[position]
                if state.get(child) == 1:
                    cycle = trail[trail.index(child) :]
                    key = frozenset(cycle)
                    if key not in reported:
                        reported.add(key)
                        index = next(i for i, e in enumerate(self.edges) if e["id"] == edge_id)
                        loop = " → ".join([*cycle, child])
                        self.error(f"$.edges[{index}]", f"synchronous calls form a cycle: {loop}", edge_id)
                elif not state.get(child):
                    state[child] = 1
                    trail.append(child)
                    edge_trail.append(edge_id)
                    stack.append((child, 0))

    def check_faults(self) -> None:
        for index, fault in enumerate(self.doc.get("faults") or []):
            base = f"$.faults[{index}]"
            self.check_fault(base, fault, fault["at_s"], f"{base}.at_s")

    def check_fault(self, base: str, fault: dict[str, Any], at_s: float | None, at_path: str | None) -> None:
        """One fault, scheduled (`at_s`) or fired by a playbook step (at the step's `at_s`, or
        None when the step waits for the instructor). `at_path` is where a fault that fires
        after the run's end is reported (None: the caller reports it)."""
        fault_type = FAULT_TYPES[fault["action"]]
        target_id = fault["target"]
        if fault_type.target == "edge":
            if target_id not in self.edge_by_id:
                self.error(f"{base}.target", f"{fault_type.label.lower()} needs an edge id; {target_id!r} is not one")
        else:
            node = self.node_by_id.get(target_id)
            if node is None:
                self.error(f"{base}.target", f"no node has id {target_id!r}")
            elif fault_type.target_kinds and node["kind"] not in fault_type.target_kinds:
                kinds = ", ".join(fault_type.target_kinds)
                self.error(
                    f"{base}.target",
                    f"{fault_type.label.lower()} applies to {kinds}, not to a {node['kind']}",
                    target_id,
                )
        if fault_type.param and fault_type.param != "instance" and fault_type.param not in fault:
            self.error(base, f"{fault_type.label.lower()} needs {fault_type.param!r}")
        if at_s is not None and at_s >= self.duration_s:
            if at_path is not None:
                self.warn(at_path, f"fires at {at_s} s, after the run ends ({self.duration_s} s)")
        elif at_s is not None and at_s + fault.get("duration_s", 0) > self.duration_s:
            self.warn(f"{base}.duration_s", f"is undone after the run ends ({self.duration_s} s)")
        node = self.node_by_id.get(target_id)
        if node is not None and "instance" in fault:
            props = node.get("props") or {}
            count = props.get("replicas", 1) + props.get("standby", 0)
            if node["kind"] == "database":
                count = 1 + props.get("replicas", 1)
            elif node["kind"] == "search_index":
                count = props.get("instances", 1)
            if fault["instance"] >= count:
                self.error(f"{base}.instance", f"{target_id!r} has instances 0 to {count - 1}", target_id)
        if node is not None and fault["action"] in ("stop_consumer", "start_consumer"):
            feeds = [e for e in self.edges if e["to"] == target_id and self.is_messaging(e)]
            if not feeds:
                self.warn(f"{base}.target", f"{target_id!r} consumes from no queue or bus", target_id)

    def check_playbooks(self) -> None:
        check_playbooks(self, self.doc.get("playbooks") or [])

    def check_names(self) -> None:
        """Names that do not line up: publishers without events, filters nobody sends."""
        for index, edge in enumerate(self.edges):
            source, target = self.node_by_id.get(edge["from"]), self.node_by_id.get(edge["to"])
            if source is None or target is None:
                continue
            publishes = (source.get("props") or {}).get("publishes")
            if target["kind"] == "event_bus" and source["kind"] == "service" and not publishes:
                message = f"{source['id']!r} publishes to the bus but lists no events"
                self.warn(f"$.edges[{index}]", message, edge["id"])
            if source["kind"] == "event_bus":
                topics = set((source.get("props") or {}).get("topics", ["OrderPlaced"]))
                unknown = [n for n in (edge.get("props") or {}).get("filter", []) if n not in topics]
                if unknown:
                    self.warn(f"$.edges[{index}].props.filter", f"the bus carries no {unknown[0]!r}", edge["id"])
        for index, node in enumerate(self.nodes):
            if node["kind"] == "read_model":
                channels = ("event_bus", "queue", "stream")
                fed = any(
                    e["to"] == node["id"] and self.node_by_id.get(e["from"], {}).get("kind") in channels
                    for e in self.edges
                )
                if not fed:
                    self.warn(
                        f"$.nodes[{index}]", "a read model needs events: connect a bus, queue or log to it", node["id"]
                    )
