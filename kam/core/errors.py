"""Domain errors. Services raise these; views and the API turn them into messages.

Every error names the field or the rule at fault, so a user knows what to fix (house rule 9).
"""

from __future__ import annotations

from django.utils.functional import Promise


class ApplicationError(Exception):
    """A request the system refuses: bad input or a forbidden state change."""

    def __init__(self, message: str | Promise, *, field: str | None = None, rule: str | None = None,
                 extra: dict | None = None) -> None:
        super().__init__(str(message))
        self.message = message
        self.field = field
        self.rule = rule
        self.extra = extra or {}

    def as_dict(self) -> dict:
        data: dict = {"message": str(self.message)}
        if self.field:
            data["field"] = self.field
        if self.rule:
            data["rule"] = self.rule
        return data


class PolicyViolation(ApplicationError):
    """A gate of the policy refuses the action; `rule` names the rule id (e.g. A9.1)."""


class AccessDenied(ApplicationError):
    """The acting user may not do this."""


class InvalidTransition(ApplicationError):
    """A workflow transition that the state machine does not allow."""
