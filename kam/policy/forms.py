"""Forms of the policy pages. Validation of the values is the schema's (one source of messages:
Chinese, naming the setting and its rule); the form only collects the raw input."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django import forms
from django.forms.boundfield import BoundField
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kam.core.errors import ApplicationError
from kam.policy.rules import article_label
from kam.policy.schema import SETTINGS, Kind, Period, SettingSpec, clean_values


def field_key(name: str) -> str:
    """Form field name of a setting ("service.response_hours" -> "service__response_hours")."""
    return name.replace(".", "__")


class CadenceWidget(forms.MultiWidget):

    def __init__(self, attrs=None):
        widgets = [
            forms.NumberInput(attrs={"min": 1, "step": 1, "aria-label": _("次数")}),
            forms.Select(choices=Period.choices, attrs={"aria-label": _("周期")}),
        ]
        super().__init__(widgets, attrs)

    def decompress(self, value):
        if isinstance(value, dict):
            return [value.get("count"), value.get("period")]
        return [None, None]


class TimeRangeWidget(forms.MultiWidget):

    def __init__(self, attrs=None):
        widgets = [
            forms.TimeInput(attrs={"type": "time", "aria-label": _("开始")}, format="%H:%M"),
            forms.TimeInput(attrs={"type": "time", "aria-label": _("结束")}, format="%H:%M"),
        ]
        super().__init__(widgets, attrs)

    def decompress(self, value):
        if isinstance(value, dict):
            return [value.get("start"), value.get("end")]
        return [None, None]


class _PairField(forms.MultiValueField):
    """Two raw strings; the schema validates them."""

    def __init__(self, keys: tuple[str, str], widget: forms.MultiWidget, **kwargs):
        self.keys = keys
        fields = (forms.CharField(required=False), forms.CharField(required=False))
        super().__init__(fields, require_all_fields=False, widget=widget, **kwargs)

    def compress(self, data_list):
        values = list(data_list or []) + [None, None]
        return {self.keys[0]: values[0], self.keys[1]: values[1]}


def _setting_field(spec: SettingSpec) -> forms.Field:
    common: dict[str, Any] = {"required": False, "label": spec.label}
    kind = spec.kind
    if kind == Kind.CADENCE:
        return _PairField(("count", "period"), CadenceWidget(), **common)
    if kind == Kind.TIME_RANGE:
        return _PairField(("start", "end"), TimeRangeWidget(), **common)
    widget: forms.Widget
    if kind in (Kind.PERIOD, Kind.ENUM):
        choices = Period.choices if kind == Kind.PERIOD else spec.choices.choices  # type: ignore[union-attr]
        widget = forms.Select(choices=choices)
    elif kind == Kind.MONTH:
        widget = forms.Select(choices=[(m, _("%(m)s 月") % {"m": m}) for m in range(1, 13)])
    elif kind == Kind.MONEY:
        widget = forms.NumberInput(attrs={"min": 0, "step": "0.01", "inputmode": "decimal"})
    elif kind == Kind.RATIO:
        widget = forms.NumberInput(attrs={"min": 0, "step": "0.01", "inputmode": "decimal"})
    elif kind == Kind.HOURS:
        widget = forms.NumberInput(attrs={"min": 0, "step": "any", "inputmode": "decimal"})
    elif kind == Kind.INT:
        attrs: dict[str, Any] = {"step": 1}
        if spec.min_value is not None:
            attrs["min"] = spec.min_value
        if spec.max_value is not None:
            attrs["max"] = spec.max_value
        widget = forms.NumberInput(attrs=attrs)
    elif kind == Kind.TIME:
        widget = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    elif kind == Kind.MONTH_DAY:
        widget = forms.TextInput(attrs={"placeholder": "MM-DD", "maxlength": 5})
    elif kind == Kind.INT_LIST:
        widget = forms.TextInput(attrs={"placeholder": "30, 60, 90"})
    else:
        widget = forms.TextInput(attrs={"maxlength": 60})
    return forms.CharField(widget=widget, strip=True, **common)


def _initial(spec: SettingSpec, stored: Any) -> Any:
    if stored is None:
        return None
    if spec.kind == Kind.INT_LIST:
        return ", ".join(str(v) for v in stored)
    return stored


@dataclass(frozen=True)
class SettingField:
    spec: SettingSpec
    field: BoundField
    current: str  # the value in force, formatted ("" when unknown)
    changed: bool

    @property
    def article(self) -> str:
        return article_label(self.spec.rule)


class PolicyValuesForm(forms.Form):
    """Every setting of the index, prefilled with `initial_values` (stored form), plus a note."""

    note = forms.CharField(label=_("修订说明"), widget=forms.Textarea(attrs={"rows": 3}), required=False,
                           help_text=_("为什么修订、修订了什么（A2.3）。"))

    def __init__(self, *args, initial_values: dict, current_values: dict | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.current_values = current_values or {}
        self.clean_policy_values: dict = {}
        for name, spec in SETTINGS.items():
            key = field_key(name)
            self.fields[key] = _setting_field(spec)
            self.initial[key] = _initial(spec, initial_values.get(name))

    def setting_fields(self) -> list[SettingField]:
        """Criteria (qualification.*) first, then the index order."""
        specs = sorted(SETTINGS.values(), key=lambda s: not s.is_criterion)
        result = []
        for spec in specs:
            current = self.current_values.get(spec.name)
            shown = spec.format(current) if current is not None else ""
            initial = self.initial.get(field_key(spec.name))
            changed = current is not None and _initial(spec, current) != initial
            result.append(SettingField(spec, self[field_key(spec.name)], shown, changed))
        return result

    def clean_note(self):
        note = (self.cleaned_data.get("note") or "").strip()
        if not note:
            raise forms.ValidationError(_("请填写修订说明（A2.3）。"))
        return note

    def clean(self):
        cleaned = super().clean()
        raw = {name: cleaned.get(field_key(name)) for name in SETTINGS if field_key(name) in cleaned}
        clean, errors = clean_values(raw)
        for name, exc in errors.items():
            key = field_key(name)
            self.add_error(key if key in self.fields else None, str(exc.message))
        self.clean_policy_values = clean
        return cleaned

    def show_error(self, exc: ApplicationError) -> None:
        key = field_key(exc.field) if exc.field else None
        self.add_error(key if key in self.fields else None, str(exc.message))


class PublishForm(forms.Form):
    effective_date = forms.DateField(label=_("生效日期"), widget=forms.DateInput(attrs={"type": "date"}),
                                     help_text=_("自该日 00:00（北京时间）起生效（G.1）。"),
                                     error_messages={"required": _("请填写生效日期（A2.3）。"),
                                                     "invalid": _("请输入有效的日期（A2.3）。")})

    def effective_from(self) -> dt.datetime:
        day: dt.date = self.cleaned_data["effective_date"]
        return dt.datetime.combine(day, dt.time.min, tzinfo=timezone.get_default_timezone())

    def show_error(self, exc: ApplicationError) -> None:
        self.add_error("effective_date" if exc.field == "effective_from" else None, str(exc.message))


class ReturnForm(forms.Form):
    comment = forms.CharField(label=_("退回意见"), widget=forms.Textarea(attrs={"rows": 3}),
                              error_messages={"required": _("退回时请填写意见（A2.3）。")})

    def show_error(self, exc: ApplicationError) -> None:
        self.add_error("comment" if exc.field == "comment" else None, str(exc.message))
