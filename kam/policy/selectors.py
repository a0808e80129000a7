"""Reads of the policy configuration.

`policy_in_force(at=...)` is what every rule of the engine uses (house rule 4). G.1: a period or a
clock is judged under the version in force when it *started*, so callers pass the start instant,
never `now` for an old period. Bulk callers take `published_versions()` once and resolve each
instant in memory with `.at(instant)`.

The typed snapshot of a published version is cached per process, keyed by (version id,
publication time): a published version never changes, so the cache can only miss, never lie.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from types import MappingProxyType
from typing import Any, NamedTuple

from django.core.exceptions import ImproperlyConfigured
from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.translation import gettext

from kam.core.errors import AccessDenied, ApplicationError
from kam.policy.models import PolicyVersion
from kam.policy.schema import (
    SETTINGS,
    Kind,
    SettingSpec,
    default_values,
    get_spec,
    typed_values,
    validate_values,
    with_new_settings,
)
from kam.users.models import Role

#: roles that see drafts and submitted versions; everybody signed in sees published ones (公示)
POLICY_EDITOR_ROLES = (Role.HEAD_OF_SALES, Role.MANAGEMENT)


class SettingRow(NamedTuple):
    spec: SettingSpec
    value: Any  # stored (JSON) form
    display: str

    @property
    def name(self) -> str:
        return self.spec.name


@dataclass(frozen=True, eq=False)
class Policy:
    """An immutable, typed snapshot of one published policy version."""

    version_id: int | None
    number: int
    effective_from: dt.datetime | None
    values: Mapping[str, Any]  # typed: Decimal, int, Cadence, time, TimeRange, MonthDay, tuple, str
    raw: Mapping[str, Any] = field(repr=False)  # stored (JSON) form

    def __getitem__(self, name: str) -> Any:
        try:
            return self.values[name]
        except KeyError:
            raise KeyError(f"unknown policy setting {name!r}") from None

    def get(self, name: str, default: Any = None) -> Any:
        return self.values.get(name, default)

    def __contains__(self, name: object) -> bool:
        return name in self.values

    def __iter__(self) -> Iterator[str]:
        return iter(self.values)

    def spec(self, name: str) -> SettingSpec:
        return get_spec(name)

    def duration(self, name: str) -> dt.timedelta:
        """An hours setting as a timedelta (e.g. service.response_hours -> 2:00:00)."""
        spec = get_spec(name)
        if spec.kind != Kind.HOURS:
            raise TypeError(f"{name} is not an hours setting")
        hours: Decimal = self[name]
        return dt.timedelta(seconds=int(hours * 3600))

    def display(self, name: str) -> str:
        return get_spec(name).format(self.raw[name])

    def rows(self) -> list[SettingRow]:
        """Every setting, criteria (qualification.*) first, then the index order."""
        return settings_rows(self.raw)

    def as_dict(self) -> dict[str, Any]:
        return dict(self.raw)


def settings_rows(raw: Mapping[str, Any]) -> list[SettingRow]:
    specs = sorted(SETTINGS.values(), key=lambda s: not s.is_criterion)  # stable: index order kept
    return [SettingRow(spec, raw[spec.name], spec.format(raw[spec.name])) for spec in specs if spec.name in raw]


# --- cache ------------------------------------------------------------------------------------

_cache: dict[tuple[int, dt.datetime | None], Policy] = {}
_cache_lock = threading.Lock()


def clear_cache() -> None:
    """Forget cached snapshots (called on publish; harmless at any time)."""
    with _cache_lock:
        _cache.clear()


def _policy_of(version_id: int, number: int, effective_from: dt.datetime, published_at: dt.datetime | None,
               values: Mapping[str, Any] | None) -> Policy:
    key = (version_id, published_at)
    policy = _cache.get(key)
    if policy is not None:
        return policy
    if values is None:
        values = PolicyVersion.objects.filter(pk=version_id).values_list("values", flat=True).get()
    try:
        clean = validate_values(with_new_settings(values))  # house rule 4: validated on load
    except ApplicationError as exc:
        raise ImproperlyConfigured(f"policy version {number} (id {version_id}) is invalid: {exc}") from exc
    policy = Policy(version_id=version_id, number=number, effective_from=effective_from,
                    values=MappingProxyType(typed_values(clean)), raw=MappingProxyType(clean))
    with _cache_lock:
        if len(_cache) > 256:
            _cache.clear()
        _cache[key] = policy
    return policy


def _default_policy() -> Policy:
    """Only when no version was ever published (a flushed test database): the index defaults."""
    clean = default_values()
    return Policy(version_id=None, number=0, effective_from=None, values=MappingProxyType(typed_values(clean)),
                  raw=MappingProxyType(clean))


def _require_aware(at: dt.datetime) -> None:
    if not isinstance(at, dt.datetime) or timezone.is_naive(at):
        raise ValueError("policy_in_force needs an aware datetime (house rule 7)")


_HEAD_FIELDS = ("id", "number", "effective_from", "published_at")


def _published() -> QuerySet[PolicyVersion]:
    return PolicyVersion.objects.filter(status=PolicyVersion.Status.PUBLISHED)


# --- the policy in force ----------------------------------------------------------------------


def policy_in_force(*, at: dt.datetime) -> Policy:
    """G.1: the latest published version with effective_from <= at.

    Before the first version's effective date the first version applies (it is the baseline the
    system started with); with no published version at all, the index defaults (number 0).
    """
    _require_aware(at)
    head = (_published().filter(effective_from__lte=at).order_by("-effective_from", "-number")
            .values_list(*_HEAD_FIELDS).first())
    if head is None:
        head = _published().order_by("effective_from", "number").values_list(*_HEAD_FIELDS).first()
        if head is None:
            return _default_policy()
    version_id, number, effective_from, published_at = head
    return _policy_of(version_id, number, effective_from, published_at, None)


@dataclass(frozen=True)
class PolicyTimeline:
    """The published versions, oldest first, loaded once; `.at(instant)` resolves in memory."""

    versions: tuple[tuple[int, int, dt.datetime, dt.datetime | None, Mapping[str, Any]], ...]

    def at(self, at: dt.datetime) -> Policy:
        _require_aware(at)
        if not self.versions:
            return _default_policy()
        chosen = self.versions[0]
        for version in self.versions:
            if version[2] <= at:
                chosen = version
            else:
                break
        return _policy_of(*chosen)

    def latest(self) -> Policy:
        return _policy_of(*self.versions[-1]) if self.versions else _default_policy()

    def __len__(self) -> int:
        return len(self.versions)


def published_versions() -> PolicyTimeline:
    """One query: every published version (a small list) for bulk evaluation (G.1)."""
    rows = _published().order_by("effective_from", "number").values_list(*_HEAD_FIELDS, "values")
    return PolicyTimeline(versions=tuple(rows))


def latest_published_version() -> PolicyVersion | None:
    """The most recently published version (the one a new publication replaces)."""
    return _published().order_by("-number").first()


# --- versions for people ----------------------------------------------------------------------


def _require_signed_in(user) -> None:
    if user is None or not getattr(user, "is_authenticated", False):
        raise AccessDenied(gettext("请先登录。"))


def policy_versions(*, user) -> QuerySet[PolicyVersion]:
    """A2.3 公示: every signed-in user sees the published versions; drafts and submitted
    versions only the head of sales and management. Newest first, drafts on top."""
    _require_signed_in(user)
    qs = PolicyVersion.objects.select_related("published_by", "created_by", "submitted_by", "returned_by")
    if not user.has_role(*POLICY_EDITOR_ROLES):
        qs = qs.filter(status=PolicyVersion.Status.PUBLISHED)
    return qs.order_by(F("number").desc(nulls_first=True), "-id")


def policy_version_get(*, user, pk: int) -> PolicyVersion:
    """One version the user may see; PolicyVersion.DoesNotExist otherwise (no existence leak)."""
    return policy_versions(user=user).get(pk=pk)


def previous_version(version: PolicyVersion) -> PolicyVersion | None:
    """The version `version` replaced (published) or would replace (not yet published)."""
    qs = _published()
    if version.is_published and version.number is not None:
        qs = qs.filter(number__lt=version.number)
    return qs.order_by("-number").first()


class DiffRow(NamedTuple):
    name: str
    old: Any  # stored (JSON) form, None when the setting did not exist
    new: Any

    @property
    def spec(self) -> SettingSpec:
        return SETTINGS[self.name]

    @property
    def old_display(self) -> str:
        return "—" if self.old is None else self.spec.format(self.old)

    @property
    def new_display(self) -> str:
        return "—" if self.new is None else self.spec.format(self.new)


def values_diff(old: Mapping[str, Any] | None, new: Mapping[str, Any]) -> list[DiffRow]:
    """Settings whose stored value differs, in index order."""
    old = old or {}
    return [DiffRow(name, old.get(name), new.get(name)) for name in SETTINGS
            if old.get(name) != new.get(name)]


def version_diff(version: PolicyVersion) -> list[DiffRow]:
    """(name, old, new) of every setting that differs from the version it replaced (A2.3).

    The first version replaced nothing: its diff is empty.
    """
    previous = previous_version(version)
    if previous is None:
        return []
    return values_diff(previous.values, version.values)


def diff_as_changes(rows: list[DiffRow]) -> dict[str, dict[str, Any]]:
    """Audit form of a diff: {setting: {"old": …, "new": …}}."""
    return {row.name: {"old": row.old, "new": row.new} for row in rows}


def operating_history(*, user, limit: int = 30) -> list[dict]:
    """The latest changes of operating settings (who, which, old → new, when), from the audit trail."""
    from kam.audit.models import AuditEvent
    from kam.users.models import Role

    if not user.has_role(Role.ADMINISTRATOR, Role.HEAD_OF_SALES, Role.MANAGEMENT):
        return []
    rows = []
    for e in AuditEvent.objects.filter(action="policy.operating.updated").select_related("actor").order_by(
            "-at", "-id")[:limit]:
        change = (e.changes or {}).get("value") or {}
        rows.append({"at": e.at, "actor": e.actor, "setting": e.target_repr, "old": change.get("old", ""),
                     "new": change.get("new", "")})
    return rows
