"""Property-panel forms, built from the kind declarations (so every kind gets a panel)."""

import math
import re
from typing import Any

from django import forms

from apps.editor.mix import MixField
from apps.topology.kinds.base import Prop, get_path, set_path
from apps.topology.schema import MAX_DESCRIPTION, MAX_LABEL, MAX_NAME, NAME_PATTERN
from apps.topology.validation import number_text

_NAME_RE = re.compile(NAME_PATTERN)


def field_name(prop: Prop) -> str:
    return prop.name.replace(".", "__")


class NamesField(forms.CharField):
    """A comma-separated list of event or operation names."""

    def __init__(self, *, max_items: int, **kwargs: Any):
        self.max_items = max_items
        super().__init__(required=False, max_length=4000, **kwargs)

    def prepare_value(self, value: Any) -> Any:
        return ", ".join(value) if isinstance(value, list) else value

    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]
        text = super().to_python(value) or ""
        names = [name.strip() for name in text.split(",") if name.strip()]
        bad = [name for name in names if not _NAME_RE.match(name)]
        if bad:
            raise forms.ValidationError(
                f"not a valid name: {bad[0]!r} (letters, digits, _ . : -, starting with a letter)"
            )
        if len(set(names)) != len(names):
            raise forms.ValidationError("a name is repeated")
        if len(names) > self.max_items:
            raise forms.ValidationError(f"at most {self.max_items} names")
        return names


class NumbersField(forms.CharField):
    """A comma-separated list of numbers, each in range (a service's instance weights)."""

    def __init__(self, *, prop: Prop, **kwargs: Any):
        self.prop = prop
        super().__init__(required=False, max_length=4000, **kwargs)

    def prepare_value(self, value: Any) -> Any:
        return ", ".join(number_text(number) for number in value) if isinstance(value, list) else value

    def to_python(self, value: Any) -> list[float | int]:  # type: ignore[override]
        text = super().to_python(value) or ""
        numbers: list[float | int] = []
        for word in (word.strip() for word in text.split(",")):
            if not word:
                continue
            try:
                number = float(word)
            except ValueError:
                raise forms.ValidationError(f"not a number: {word[:20]!r}") from None
            if not self.in_range(number):
                raise forms.ValidationError(f"each must be {self.bounds()} (got {word[:20]})")
            numbers.append(int(number) if number.is_integer() else number)
        if len(numbers) > self.prop.max_items:
            raise forms.ValidationError(f"at most {self.prop.max_items} numbers")
        return numbers

    def in_range(self, number: float) -> bool:
        low, high = self.prop.minimum, self.prop.maximum
        if not math.isfinite(number) or (high is not None and number > high):
            return False
        return low is None or (number > low if self.prop.exclusive_minimum else number >= low)

    def bounds(self) -> str:
        words = (
            []
            if self.prop.minimum is None
            else [f"{'above' if self.prop.exclusive_minimum else 'at least'} {self.prop.minimum:g}"]
        )
        words += [] if self.prop.maximum is None else [f"at most {self.prop.maximum:g}"]
        return " and ".join(words) or "a number"


class NumberOrWordField(forms.Field):
    """A number in range, or one of a few words (a run's speed: a number or `max`)."""

    def __init__(self, *, words: tuple[str, ...], minimum: float | None, maximum: float | None, **kwargs: Any):
        self.words, self.minimum, self.maximum = words, minimum, maximum
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> float | str | None:
        text = str(value if value is not None else "").strip()[:40]
        if not text:
            return None
        if text in self.words:
            return text
        try:
            number = float(text)
        except ValueError:
            raise forms.ValidationError(f"a number or {' or '.join(self.words)}") from None
        if (self.minimum is not None and number < self.minimum) or (self.maximum is not None and number > self.maximum):
            raise forms.ValidationError(f"from {self.minimum:g} to {self.maximum:g}, or {' or '.join(self.words)}")
        return number


def prop_field(prop: Prop, zones: list[tuple[str, str]] | None) -> forms.Field:
    common: dict[str, Any] = {"label": prop.label, "help_text": prop.help}
    bounds: dict[str, Any] = {"min_value": prop.minimum, "max_value": prop.maximum}
    optional = prop.default is None  # empty means "the default rule" (an edge's network latency)
    if prop.name == "zone" and zones is not None:
        return forms.ChoiceField(choices=[("", "— no zone —"), *zones], required=False, **common)
    if prop.special:
        return NumberOrWordField(words=prop.special, minimum=prop.minimum, maximum=prop.maximum, **common)
    match prop.type:
        case "integer":
            return forms.IntegerField(**bounds, required=not optional, **common)
        case "number":
            widget = forms.NumberInput(attrs={"step": "any", **({"placeholder": "default"} if optional else {})})
            return forms.FloatField(**bounds, widget=widget, required=not optional, **common)
        case "boolean":
            return forms.BooleanField(required=False, **common)
        case "choice":
            return forms.ChoiceField(choices=[(c, c.replace("_", " ")) for c in prop.choices], **common)
        case "names":
            return NamesField(max_items=prop.max_items, **common)
        case "numbers":
            return NumbersField(prop=prop, **common)
        case "mix":
            return MixField(prop=prop, **common)
    return forms.CharField(required=False, max_length=prop.max_length, **common)


class PropsForm(forms.Form):
    """Label plus one field per property; `props()` gives the nested props object."""

    def __init__(
        self,
        *args: Any,
        props: tuple[Prop, ...],
        current: dict[str, Any],
        with_label: bool = True,
        zones: list[tuple[str, str]] | None = None,
        read_only: bool = False,
        **kwargs: Any,
    ):
        super().__init__(*args, **kwargs)
        self.read_only = read_only
        self.prop_specs = props
        self.current = current
        if with_label:
            self.fields["label"] = forms.CharField(max_length=MAX_LABEL, required=False, label="Label")
        for prop in props:
            field = prop_field(prop, zones)
            value = get_path(current, prop.path)
            field.initial = prop.default if value is None else value
            field.unit = prop.unit  # type: ignore[attr-defined]
            field.group = prop.path[0] if len(prop.path) > 1 else ""  # type: ignore[attr-defined]
            self.fields[field_name(prop)] = field
        for field in self.fields.values():
            field.disabled = read_only

    def props(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for prop in self.prop_specs:
            value = self.cleaned_data[field_name(prop)]
            if value is None and prop.default is None:
                continue  # left empty: the default rule applies
            if prop.type == "integer" and value is not None:
                value = int(value)
            set_path(out, prop.path, value)
        return out


class ScenarioForm(forms.Form):
    def __init__(self, *args: Any, read_only: bool = False, **kwargs: Any):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.disabled = read_only

    name = forms.CharField(max_length=MAX_NAME, label="Name")
    description = forms.CharField(
        max_length=MAX_DESCRIPTION,
        required=False,
        label="Description (markdown)",
        widget=forms.Textarea(attrs={"rows": 6}),
    )
