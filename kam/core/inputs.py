"""Input checks shared by the pages (Django forms) and the API (ninja schemas).

Every input is validated before it reaches a service (house rule: bad input is a clear message naming the
field, nothing changed, never a 500):
- ids lie between 1 and the largest bigint, so a made-up id is a form error or a 404, never a database error;
- one action, one form: `submit(form, call)` validates, calls the one service, and puts the service's refusal
  (`ApplicationError`) on the field it names — the page is then rendered again with status 400 (403 when
  the service refused the user), the error next to the field and what was typed kept.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, cast

from django import forms
from django.db.models import QuerySet
from pydantic import BeforeValidator, Field

from kam.core.errors import AccessDenied, ApplicationError

ID_MAX = 2**63 - 1  # the largest bigint (PostgreSQL) / INTEGER (SQLite)

ApiId = Annotated[int, Field(ge=1, le=ID_MAX, description="记录编号（1 至 2^63−1）")]
EmptyIsNone = BeforeValidator(lambda v: None if v == "" else v)  # a list filter sent empty (?status=) is no filter
# (declare `X | Literal[""] | None` so that the schema says an empty value is accepted)


class IdField(forms.IntegerField):
    """A record's id typed or posted as text: a whole number in the database's range."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", ID_MAX)
        super().__init__(**kwargs)


class FilterForm(forms.Form):
    """A form of what to show (filters, a search): its errors are listed above the page by field label."""

    def labelled_errors(self) -> list[tuple[str, str]]:
        rows = []
        for name, errors in self.errors.items():
            field = self.fields.get(name)
            label = str(field.label or name) if field is not None else ""
            rows += [(label, str(message)) for message in errors]
        return rows


class ActionForm(forms.Form):
    """The form of one action. `service_fields` maps a field name a service reports to the form's field."""

    service_fields: dict[str, str] = {}
    denied = False
    result: Any = None  # what the service returned, once `submit` succeeded

    def scope(self, name: str, queryset: QuerySet) -> None:
        """The records a choice field accepts: a selector's queryset, so an id the user may not use (another
        manager's customer, a made-up id) is a form error naming the field."""
        cast(forms.ModelChoiceField, self.fields[name]).queryset = queryset

    def add_service_error(self, exc: ApplicationError) -> None:
        name = self.service_fields.get(exc.field or "", exc.field)
        self.add_error(name if name in self.fields else None, str(exc.message))
        self.denied = self.denied or isinstance(exc, AccessDenied)

    @property
    def status_code(self) -> int:
        """The answer to a refused form: 403 when the user may not do this, 400 for bad input."""
        return 403 if self.denied else 400

    def labelled_errors(self) -> list[tuple[str, str]]:
        """(field label, message) for the summary above the page; the label is "" for the form's own errors."""
        rows = []
        for name, errors in self.errors.items():
            field = self.fields.get(name)
            label = str(field.label or name) if field is not None else ""
            rows += [(label, str(message)) for message in errors]
        return rows


def submit(form: forms.Form, call: Callable[[dict], object]) -> bool:
    """Validate the form, then call the service once with its cleaned data. True when the action was done;
    otherwise the form holds the errors (the service's refusal on the field it names)."""
    if not form.is_valid():
        return False
    try:
        form.result = call(form.cleaned_data)  # type: ignore[attr-defined]
    except ApplicationError as exc:
        if isinstance(form, ActionForm):
            form.add_service_error(exc)
        else:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc.message))
        return False
    return True
