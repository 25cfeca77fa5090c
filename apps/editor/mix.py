"""The property panel's editor of a client's operation mix: a small table, one row per
operation (name, kind, rate), with buttons that add and remove rows.

Rows are posted as `<name>-<i>-operation`, `<name>-<i>-kind` and `<name>-<i>-rate`, with the
row count in `<name>` itself. The buttons post the form through htmx like any change, with
`<name>-add` or `<name>-remove` (the row's index) added, and the panel comes back with the rows
as posted plus or minus one; a row whose operation is empty is left out of the mix, so a fresh
row changes nothing until it is named.
"""

import math
import re
from collections.abc import Mapping
from typing import Any

from django import forms
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from apps.topology.kinds.base import MIX_KINDS, Prop
from apps.topology.schema import NAME_PATTERN
from apps.topology.validation import number_text

_NAME_RE = re.compile(NAME_PATTERN)
MAX_ROWS_POSTED = 100  # rows read from a post at most (a mix holds far fewer)
NEW_ROW: dict[str, Any] = {"operation": "", "kind": "command", "rate": 10}

Row = dict[str, Any]


def _rate_text(value: Any) -> str:
    if isinstance(value, bool):
        return ""
    if isinstance(value, int | float):
        return number_text(value)
    return str(value or "")[:40]


class MixWidget(forms.Widget):
    """Renders the rows and reads them back (with the add or remove a button asked for)."""

    def __init__(self, *, maximum: float | None, attrs: dict[str, Any] | None = None):
        self.maximum = maximum
        super().__init__(attrs)

    def value_from_datadict(self, data: Mapping[str, Any], files: Any, name: str) -> list[Row]:
        try:
            count = min(max(int(str(data.get(name) or "0")), 0), MAX_ROWS_POSTED)
        except ValueError:
            count = 0
        removed = str(data.get(f"{name}-remove", ""))
        rows = [
            {key: str(data.get(f"{name}-{index}-{key}", ""))[:200] for key in ("operation", "kind", "rate")}
            for index in range(count)
            if str(index) != removed
        ]
        if data.get(f"{name}-add"):
            rows.append(dict(NEW_ROW))
        return rows

    def value_omitted_from_data(self, data: Mapping[str, Any], files: Any, name: str) -> bool:
        return name not in data

    def id_for_label(self, id_: str) -> str:
        return ""

    def render(self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None) -> SafeString:
        rows: list[Row] = [row for row in value if isinstance(row, dict)] if isinstance(value, list) else []
        disabled = bool((attrs or {}).get("disabled"))
        post = reverse("panel-node")
        body = format_html_join(
            "", "{}", ((self._row(name, index, row, disabled, post),) for index, row in enumerate(rows))
        )
        empty = mark_safe(
            '<tr class="mix-empty"><td colspan="4">No operations: the rate, commands and queries apply.</td></tr>'
        )
        add = (
            ""
            if disabled
            else format_html(
                '<button type="button" class="mix-add" hx-post="{}" '
                'hx-vals=\'{{"{}-add": "1"}}\'>Add operation</button>',
                post,
                name,
            )
        )
        return format_html(
            '<div class="mix-editor" data-mix="{}"><input type="hidden" name="{}" value="{}">'
            '<table class="mix-table"><thead><tr><th scope="col">Operation</th><th scope="col">Kind</th>'
            '<th scope="col">Rate</th><th scope="col"><span class="visually-hidden">Remove</span></th></tr></thead>'
            "<tbody>{}</tbody></table>{}</div>",
            name, name, len(rows), body if rows else empty, add,
        )  # fmt: skip

    def _row(self, name: str, index: int, row: Row, disabled: bool, post: str) -> SafeString:
        off = " disabled" if disabled else ""
        kinds = format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            ((kind, " selected" if row.get("kind") == kind else "", kind) for kind in MIX_KINDS),
        )
        remove = (
            ""
            if disabled
            else format_html(
                '<button type="button" class="mix-remove" hx-post="{}" hx-vals=\'{{"{}-remove": "{}"}}\' '
                'aria-label="Remove row {}" title="Remove">×</button>',
                post, name, index, index + 1,
            )
        )  # fmt: skip
        maximum = number_text(self.maximum) if self.maximum is not None else ""
        return format_html(
            '<tr><td><input type="text" name="{}-{}-operation" value="{}" aria-label="Operation, row {}" '
            'maxlength="60"{}></td>'
            '<td><select name="{}-{}-kind" aria-label="Kind, row {}"{}>{}</select></td>'
            '<td><input type="number" name="{}-{}-rate" value="{}" step="any" min="0" max="{}" '
            'aria-label="Rate, row {}"{}></td><td>{}</td></tr>',
            name, index, str(row.get("operation") or "")[:200], index + 1, off,
            name, index, index + 1, off, kinds,
            name, index, _rate_text(row.get("rate")), maximum, index + 1, off, remove,
        )  # fmt: skip


class MixField(forms.Field):
    """A client's operation mix: rows of (operation, kind, rate); unnamed rows are left out."""

    def __init__(self, *, prop: Prop, **kwargs: Any):
        self.prop = prop
        super().__init__(required=False, widget=MixWidget(maximum=prop.maximum), **kwargs)

    def to_python(self, value: Any) -> list[Row]:
        rows = value if isinstance(value, list) else []
        mix: list[Row] = []
        for number, row in enumerate(rows, start=1):
            if not isinstance(row, dict):
                continue
            operation = str(row.get("operation") or "").strip()
            if not operation:
                continue
            mix.append({"operation": self._name(number, operation), "kind": self._kind(number, row.get("kind")),
                        "rate": self._rate(number, row.get("rate"))})  # fmt: skip
        names = [entry["operation"] for entry in mix]
        repeated = next((name for name in names if names.count(name) > 1), None)
        if repeated is not None:
            raise forms.ValidationError(f"{repeated!r} is in the mix twice")
        if len(mix) > self.prop.max_items:
            raise forms.ValidationError(f"at most {self.prop.max_items} operations (got {len(mix)})")
        return mix

    def _name(self, number: int, operation: str) -> str:
        if not _NAME_RE.match(operation):
            raise forms.ValidationError(
                f"row {number}: not a valid name: {operation[:40]!r} (letters, digits, _ . : -, starting with a letter)"
            )
        return operation

    def _kind(self, number: int, kind: Any) -> str:
        if kind not in MIX_KINDS:
            raise forms.ValidationError(f"row {number}: the kind must be {' or '.join(MIX_KINDS)}")
        return str(kind)

    def _rate(self, number: int, text: Any) -> float | int:
        word = str(text if text is not None else "").strip()
        if not word:
            raise forms.ValidationError(f"row {number}: give a rate")
        try:
            rate = float(word)
        except ValueError:
            raise forms.ValidationError(f"row {number}: the rate is not a number: {word[:20]!r}") from None
        low = self.prop.minimum if self.prop.minimum is not None else 0.0
        high = self.prop.maximum if self.prop.maximum is not None else math.inf
        if not math.isfinite(rate) or rate < low or rate > high:
            raise forms.ValidationError(f"row {number}: the rate must be from {low:g} to {high:g} (got {word[:20]})")
        return int(rate) if rate.is_integer() else rate
