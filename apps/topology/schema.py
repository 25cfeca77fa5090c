"""The JSON Schema of topology format v1, built from the kind, edge and fault declarations.

`python manage.py export_schema` writes it to topology.schema.json (committed, and checked
against this builder by a test).
"""

from functools import cache
from pathlib import Path
from typing import Any

from apps.topology.edges import EDGE_PROPS, RUN_PROPS
from apps.topology.faults import FAULT_TYPES
from apps.topology.kinds import KINDS
from apps.topology.kinds.base import MIX_KINDS, Prop
from apps.topology.playbooks import (
    MAX_CHOICES,
    MAX_PLAYBOOK_NAME,
    MAX_PLAYBOOKS,
    MAX_PROMPT,
    MAX_SAY,
    MAX_STEP_FAULTS,
    MAX_STEPS,
    MAX_SUMMARY,
    MAX_TITLE,
    MAX_UNIT,
    MAX_WATCH,
    METRICS,
    MIN_CHOICES,
    PICKS,
    QUESTION_KINDS,
)

FORMAT = "architecture-playground/topology"
VERSION = 1
SCHEMA_PATH = Path(__file__).with_name("topology.schema.json")
SCHEMA_ID = "/api/schema/topology.json"

MAX_NODES = 500
MAX_EDGES = 2000
MAX_FAULTS = 200
MAX_LABEL = 80
MAX_NAME = 80
MAX_DESCRIPTION = 20_000
ID_PATTERN = "^[A-Za-z][A-Za-z0-9_-]{0,39}$"
NAME_PATTERN = "^[A-Za-z][A-Za-z0-9_.:-]{0,59}$"
COORDINATE = {"type": "number", "minimum": -1_000_000, "maximum": 1_000_000}


def _number_schema(prop: Prop) -> dict[str, Any]:
    """A number (or each number of a list) within the prop's bounds."""
    schema: dict[str, Any] = {"type": "integer" if prop.type == "integer" else "number"}
    if prop.minimum is not None:
        schema["exclusiveMinimum" if prop.exclusive_minimum else "minimum"] = prop.minimum
    if prop.maximum is not None:
        schema["maximum"] = prop.maximum
    return schema


def _mix_schema(prop: Prop) -> dict[str, Any]:
    """A client's operation mix: at most `max_items` entries {operation, kind, rate}."""
    rate = _number_schema(Prop(prop.name, "number", 0, prop.label, minimum=prop.minimum, maximum=prop.maximum))
    entry = {
        "type": "object",
        "additionalProperties": False,
        "required": ["operation", "kind", "rate"],
        "properties": {
            "operation": {"type": "string", "pattern": NAME_PATTERN},
            "kind": {"enum": list(MIX_KINDS)},
            "rate": rate,
        },
    }
    return {"type": "array", "maxItems": prop.max_items, "items": entry}


def prop_schema(prop: Prop) -> dict[str, Any]:
    schema: dict[str, Any]
    if prop.type in ("integer", "number"):
        schema = _number_schema(prop)
        if prop.special:
            schema = {"anyOf": [schema, {"enum": list(prop.special)}]}
        elif prop.default is None:
            schema["type"] = [prop.type, "null"]
    elif prop.type == "boolean":
        schema = {"type": "boolean"}
    elif prop.type == "choice":
        schema = {"enum": list(prop.choices)}
    elif prop.type == "names":
        schema = {
            "type": "array",
            "maxItems": prop.max_items,
            "uniqueItems": True,
            "items": {"type": "string", "pattern": NAME_PATTERN},
        }
    elif prop.type == "numbers":
        schema = {"type": "array", "maxItems": prop.max_items, "items": _number_schema(prop)}
    elif prop.type == "mix":
        schema = _mix_schema(prop)
    else:
        schema = {"type": "string", "maxLength": prop.max_length}
    schema["description"] = (
        prop.label + (f" ({prop.unit})" if prop.unit else "") + (f": {prop.help}" if prop.help else "")
    )
    schema["default"] = prop.default
    return schema


def props_schema(props: tuple[Prop, ...]) -> dict[str, Any]:
    """Nested object schema for dotted property names; unknown keys are refused."""
    root: dict[str, Any] = {"type": "object", "additionalProperties": False, "properties": {}}
    for prop in props:
        node = root
        for key in prop.path[:-1]:
            node = node["properties"].setdefault(
                key, {"type": "object", "additionalProperties": False, "properties": {}}
            )
        node["properties"][prop.path[-1]] = prop_schema(prop)
    return root


def fault_schema() -> dict[str, Any]:
    return {
        "type": "object",
        "additionalProperties": False,
        "required": ["at_s", "action", "target"],
        "properties": {
            "at_s": {"type": "number", "minimum": 0, "maximum": 3600},
            "action": {"enum": sorted(FAULT_TYPES)},
            "target": {"type": "string", "pattern": ID_PATTERN},
            "duration_s": {"type": "number", "minimum": 0, "maximum": 3600},
            "instance": {"type": "integer", "minimum": 0, "maximum": 100},
            **{
                fault.param: {"type": "number", "minimum": fault.param_minimum, "maximum": fault.param_maximum}
                for fault in FAULT_TYPES.values()
                if fault.param and fault.param != "instance"
            },
            "note": {"type": "string", "maxLength": 200},
        },
    }


def _text(maximum: int, *, required: bool = False) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "string", "maxLength": maximum}
    return {**schema, "minLength": 1} if required else schema


def playbooks_schema() -> dict[str, Any]:
    """Guided lessons (playbooks.py): the shapes; the rules between fields are checked there."""
    step_fault = fault_schema()
    step_fault["required"] = [name for name in step_fault["required"] if name != "at_s"]
    step_fault["properties"] = {name: rule for name, rule in step_fault["properties"].items() if name != "at_s"}
    node_id = {"type": "string", "pattern": ID_PATTERN}
    question = {
        "type": "object",
        "additionalProperties": False,
        "required": ["prompt", "kind", "figure"],
        "properties": {
            "prompt": _text(MAX_PROMPT, required=True),
            "kind": {"enum": list(QUESTION_KINDS)},
            "unit": _text(MAX_UNIT),
            "figure": {
                "type": "object",
                "additionalProperties": False,
                "required": ["metric"],
                "properties": {"metric": {"enum": list(METRICS)}, "node": node_id, "pick": {"enum": list(PICKS)}},
            },
            "choices": {"type": "array", "minItems": MIN_CHOICES, "maxItems": MAX_CHOICES, "items": node_id},
        },
    }
    step = {
        "type": "object",
        "additionalProperties": False,
        "required": ["title"],
        "properties": {
            "title": _text(MAX_TITLE, required=True),
            "at_s": {"type": "number", "minimum": 0, "maximum": 3600},
            "wait": {"type": "boolean"},
            "say": _text(MAX_SAY),
            "watch": _text(MAX_WATCH),
            "faults": {"type": "array", "maxItems": MAX_STEP_FAULTS, "items": step_fault},
            "restore": {"type": "boolean"},
            "question": question,
            "reveal": {"type": "boolean"},
        },
    }
    playbook = {
        "type": "object",
        "additionalProperties": False,
        "required": ["name", "steps"],
        "properties": {
            "name": _text(MAX_PLAYBOOK_NAME, required=True),
            "summary": _text(MAX_SUMMARY),
            "steps": {"type": "array", "minItems": 1, "maxItems": MAX_STEPS, "items": step},
        },
    }
    return {"type": "array", "maxItems": MAX_PLAYBOOKS, "items": playbook}


@cache
def build_schema() -> dict[str, Any]:
    kind_rules = [
        {
            "if": {"properties": {"kind": {"const": name}}, "required": ["kind"]},
            "then": {"properties": {"props": props_schema(kind.props)}},
        }
        for name, kind in KINDS.items()
    ]
    node = {
        "type": "object",
        "additionalProperties": False,
        "required": ["id", "kind"],
        "properties": {
            "id": {"type": "string", "pattern": ID_PATTERN},
            "kind": {"enum": list(KINDS)},
            "label": {"type": "string", "maxLength": MAX_LABEL},
            "position": {
                "type": "object",
                "additionalProperties": False,
                "required": ["x", "y"],
                "properties": {"x": COORDINATE, "y": COORDINATE},
            },
            "size": {
                "type": "object",
                "additionalProperties": False,
                "required": ["width", "height"],
                "properties": {
                    "width": {"type": "number", "minimum": 10, "maximum": 100_000},
                    "height": {"type": "number", "minimum": 10, "maximum": 100_000},
                },
            },
            "props": {"type": "object"},
        },
        "allOf": kind_rules,
    }
    edge = {
        "type": "object",
        "additionalProperties": False,
        "required": ["id", "from", "to"],
        "properties": {
            "id": {"type": "string", "pattern": ID_PATTERN},
            "from": {"type": "string", "pattern": ID_PATTERN},
            "to": {"type": "string", "pattern": ID_PATTERN},
            "label": {"type": "string", "maxLength": MAX_LABEL},
            "props": props_schema(EDGE_PROPS),
        },
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "Architecture Playground topology",
        "description": (
            "A scenario: nodes, edges, scheduled faults, run settings and playbooks. See docs/topology-format.md."
        ),
        "type": "object",
        "additionalProperties": False,
        "required": ["format", "version", "name", "nodes", "edges"],
        "properties": {
            "format": {"const": FORMAT},
            "version": {"const": VERSION},
            "name": {"type": "string", "minLength": 1, "maxLength": MAX_NAME},
            "description": {"type": "string", "maxLength": MAX_DESCRIPTION},
            "nodes": {"type": "array", "maxItems": MAX_NODES, "items": node},
            "edges": {"type": "array", "maxItems": MAX_EDGES, "items": edge},
            "faults": {"type": "array", "maxItems": MAX_FAULTS, "items": fault_schema()},
            "run": props_schema(RUN_PROPS),
            "playbooks": playbooks_schema(),
        },
    }
