"""Stored obligations: the engine's answer kept as indexed rows, reconciled set-based.

* `reconcile(ctx, rules)` evaluates the rules and writes only what changed: new rows in one bulk insert,
  changed rows in bulk updates, rows the engine no longer gives (inside the evaluated window) marked
  obsolete in one UPDATE — a few statements per rule, never one per row. Alerts of rows that left their
  alerting state are resolved in the same pass.
* `reflect(customer_ids=…, touched=…)` is what a service calls after it changed a fact: the same reconcile,
  restricted to the subjects it touched and to the rules that depend on the kind of fact it changed
  (`ClockRule.depends_on`), inside the service's transaction — the user sees the effect on the next page. The
  rules are judged together: one read of the stored rows, one insert, one update, one savepoint.
* A rule that fails (a bad row, a missing calendar year) is logged with its rule and scope and reported in
  the result; the other rules go on (issue 12 §1).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from kam.audit.services import audit_log
from kam.core.errors import AccessDenied, ApplicationError
from kam.obligations import engine
from kam.obligations.models import OPEN_STATES, Alert, AlertKind, Resolution, State, StoredObligation
from kam.users.models import Role

log = logging.getLogger("kam.obligations")

#: the columns the engine decides (everything but the key and the people's acknowledgement)
MUTABLE = ("customer_id", "owner_id", "owner_role", "watcher_id", "escalation_role", "queue", "window_start",
           "due_at", "state", "required", "done", "met_at", "label", "url", "customer_name", "provisional")
BATCH = 500


@dataclass
class ReconcileResult:
    evaluated: int = 0
    created: int = 0
    updated: int = 0
    obsolete: int = 0
    resolved: int = 0
    failed: dict[str, str] = field(default_factory=dict)  # rule id -> error


def _values(o: engine.Obligation) -> dict:
    return {"customer_id": o.customer_id, "owner_id": o.owner_id, "owner_role": str(o.owner_role),
            "watcher_id": o.watcher_id, "escalation_role": str(o.escalation_role), "queue": o.queue,
            "window_start": o.window_start, "due_at": o.due_at, "state": o.state, "required": o.required,
            "done": o.done, "met_at": o.met_at, "label": o.label[:300], "url": o.url[:200],
            "customer_name": o.customer_name[:200], "provisional": o.provisional}


def _chunks(items: list, n: int = BATCH) -> Iterable[list]:
    for i in range(0, len(items), n):
        yield items[i:i + n]


def _existing(rules: list[str], ctx: engine.EvalContext, keys: Iterable[tuple]) -> dict[tuple, dict]:
    """The stored rows this evaluation speaks for: those due after `since` (the engine's window), the live rows
    older than it (an open ticket's clock, last month's periods until this pass retires them), and any older
    row the engine names again — restricted to the given customers when reflecting."""
    qs = StoredObligation.objects.filter(rule=rules[0]) if len(rules) == 1 else StoredObligation.objects.filter(
        rule__in=rules)
    if ctx.customer_ids is not None:
        qs = qs.filter(customer_id__in=list(ctx.customer_ids))
    fields = ("id", "rule", "subject_type", "subject_id", "period_key", "live", *MUTABLE)
    rows = {}
    for r in qs.filter(Q(due_at__gt=ctx.since) | Q(live=True)).values(*fields):
        rows[(r["rule"], r["subject_type"], r["subject_id"], r["period_key"])] = r
    older = [k for k in keys if k not in rows]
    # none of the rules has a retired row before the window (a new installation, an emptied table): nothing to
    # look up key by key (one cheap probe instead of a query per 500 keys)
    if older and qs.filter(due_at__lte=ctx.since, live=False).exists():
        by_type: dict[str, set[int]] = {}
        for _rule, stype, sid, _p in older:
            by_type.setdefault(stype, set()).add(sid)
        for stype, ids in by_type.items():
            for chunk in _chunks(sorted(ids)):
                for r in qs.filter(subject_type=stype, subject_id__in=chunk, due_at__lte=ctx.since,
                                   live=False).values(*fields):
                    rows[(r["rule"], r["subject_type"], r["subject_id"], r["period_key"])] = r
    return rows


def _write(answers: dict[str, list[engine.Obligation]], ctx: engine.EvalContext,
           result: ReconcileResult) -> list[int]:
    """Store the engine's answer for these rules (a few statements in all, never one per row); returns the ids
    of the existing rows whose judgement changed (their alerts may have to be resolved)."""
    if not answers:
        return []
    wanted = {o.key: o for obligations in answers.values() for o in obligations}
    existing = _existing(list(answers), ctx, wanted)
    now = ctx.now
    to_create: list[engine.Obligation] = []
    to_update, changed_fields = [], set()
    for key, o in wanted.items():
        row = existing.get(key)
        if row is None:
            to_create.append(o)
            continue
        values = _values(o)
        diff = {k: v for k, v in values.items() if row[k] != v}
        if not row["live"]:
            diff["live"] = True
        if diff:
            current = {k: row[k] for k in MUTABLE}
            to_update.append(StoredObligation(id=row["id"], evaluated_at=now, **{**current, **diff, "live": True}))
            changed_fields.update(diff)
    if to_create:
        _insert(to_create, now)
        result.created += len(to_create)
    if to_update:
        StoredObligation.objects.bulk_update(to_update, sorted(changed_fields | {"evaluated_at"}), batch_size=BATCH)
        result.updated += len(to_update)
    # what the engine no longer gives: inside its window the obligation is void (the account left the list, the
    # visit was cancelled, a pause stopped the clock); older rows simply leave the current answer (history)
    gone = [row for key, row in existing.items() if key not in wanted]
    void = [r["id"] for r in gone if r["due_at"] > ctx.since and r["state"] != State.OBSOLETE]
    retired = [r["id"] for r in gone if r["live"] and not (r["due_at"] > ctx.since)]
    for chunk in _chunks(void):
        result.obsolete += StoredObligation.objects.filter(id__in=chunk).update(state=State.OBSOLETE, live=False,
                                                                              evaluated_at=now)
    for chunk in _chunks(retired):
        StoredObligation.objects.filter(id__in=chunk).update(live=False)
    return [o.id for o in to_update] + void


#: the columns of a new row, in `_insert`'s order
INSERT_COLUMNS = ("rule", "subject_type", "subject_id", "period_key", *MUTABLE, "evaluated_at", "live", "acknowledgement")
INSERT_BATCH = 5000


def _insert(obligations: list[engine.Obligation], now: dt.datetime) -> None:
    """New rows, set-based: one prepared INSERT executed for batches of plain tuples (no model instance per row;
    a sweep on an empty table inserts every obligation). Two sweeps at once: the unique key makes the second
    insert of a row a no-op (ON CONFLICT DO NOTHING, SQLite and PostgreSQL)."""
    from django.db import connection

    meta = StoredObligation._meta
    fields = [meta.get_field(c.removesuffix("_id") if c.endswith("_id") and c != "subject_id" else c)
              for c in INSERT_COLUMNS]
    qn = connection.ops.quote_name
    datetime = connection.ops.adapt_datetimefield_value
    sql = (f"INSERT INTO {qn(meta.db_table)} ({', '.join(qn(f.column) for f in fields)}) "  # noqa: S608 - our names
           f"VALUES ({', '.join(['%s'] * len(fields))}) ON CONFLICT DO NOTHING")
    at = datetime(now)
    with connection.cursor() as cur:
        for chunk in _chunks(obligations, INSERT_BATCH):
            cur.executemany(sql, [(
                o.rule, o.subject_type, o.subject_id, o.period_key, o.customer_id, o.owner_id, str(o.owner_role),
                o.watcher_id, str(o.escalation_role), o.queue, datetime(o.window_start), datetime(o.due_at),
                str(o.state), o.required, o.done, datetime(o.met_at), o.label[:300], o.url[:200],
                o.customer_name[:200], o.provisional, at, True, "") for o in chunk])


RESOLUTIONS = ((State.MET, Resolution.MET), (State.MET_LATE, Resolution.MET_LATE),
               (State.OBSOLETE, Resolution.OBSOLETE))


def resolve_alerts(*, now: dt.datetime, customer_ids: set[int] | None = None,
                   obligation_ids: list[int] | None = None) -> int:
    """Close the open alerts whose obligation left the state they were raised for (met, met late, obsolete;
    a due-soon alert once the clock is breached) — two statements per resolution. With `obligation_ids` (the
    rows a reflection just changed), only their alerts: one read, and an update only where one must close."""
    qs = Alert.objects.filter(resolved_at__isnull=True, obligation__isnull=False)
    if customer_ids is not None:
        qs = qs.filter(customer_id__in=list(customer_ids))
    if obligation_ids is not None:
        if not obligation_ids:
            return 0
        closing: dict[str, list[int]] = {}
        by_state: dict[str, str] = {str(st): str(res) for st, res in RESOLUTIONS}
        for alert_id, kind, state, acknowledged in qs.filter(obligation_id__in=obligation_ids).values_list(
                "id", "kind", "obligation__state", "obligation__acknowledged_at"):
            resolution = by_state.get(state)
            if resolution is None and kind == AlertKind.DUE_SOON and state == State.BREACHED:
                resolution = str(Resolution.SUPERSEDED)
            if resolution is None and acknowledged is not None:
                resolution = str(Resolution.ACKNOWLEDGED)
            if resolution is not None:
                closing.setdefault(resolution, []).append(alert_id)
        return sum(Alert.objects.filter(id__in=ids).update(resolved_at=now, resolution=resolution)
                   for resolution, ids in closing.items())
    n = 0
    for state, resolution in RESOLUTIONS:
        n += qs.filter(obligation__state=state).update(resolved_at=now, resolution=resolution)
    n += qs.filter(kind=AlertKind.DUE_SOON, obligation__state=State.BREACHED).update(
        resolved_at=now, resolution=Resolution.SUPERSEDED)
    n += qs.filter(obligation__acknowledged_at__isnull=False).update(resolved_at=now,
                                                                    resolution=Resolution.ACKNOWLEDGED)
    return n


def reconcile(ctx: engine.EvalContext, rules: Iterable[str] | None = None) -> ReconcileResult:
    """Evaluate the rules in `ctx` and store the answer (see the module docstring)."""
    result = ReconcileResult()
    for rule_id in (rules or list(engine.REGISTRY)):
        rule = engine.REGISTRY[rule_id]
        try:
            with transaction.atomic():
                obligations = rule.obligations(ctx)
                result.evaluated += len(obligations)
                _write({rule_id: obligations}, ctx, result)
        except IntegrityError:
            raise  # a broken invariant of our own tables: not a bad fact
        except Exception as exc:  # noqa: BLE001 - one rule's bad facts never stop the others (issue 12 §1)
            _log_failure(rule_id, ctx, exc, result)
    result.resolved = resolve_alerts(now=ctx.now, customer_ids=ctx.customer_ids)
    return result


def _log_failure(rule_id: str, ctx: engine.EvalContext, exc: Exception, result: ReconcileResult) -> None:
    log.exception("rule %s could not be evaluated (scope: %s)", rule_id,
                  "all" if ctx.customer_ids is None else sorted(ctx.customer_ids)[:20])
    result.failed[rule_id] = f"{type(exc).__name__}: {exc}"[:300]


def _reconcile_together(ctx: engine.EvalContext, rules: list[str]) -> ReconcileResult:
    """A reflection's reconcile: the rules' answers for a few accounts written together — one read of their
    stored rows, one insert, one update — behind one savepoint. A rule whose facts cannot be judged is
    reported and the others go on; a database error in any of them falls back to one savepoint per rule."""
    result = ReconcileResult()
    try:
        with transaction.atomic():
            answers = {}
            for rule_id in rules:
                try:
                    answers[rule_id] = engine.REGISTRY[rule_id].obligations(ctx)
                except DatabaseError:
                    raise
                except Exception as exc:  # noqa: BLE001 - one rule's bad facts never stop the others (issue 12 §1)
                    _log_failure(rule_id, ctx, exc, result)
            result.evaluated = sum(len(v) for v in answers.values())
            changed = _write(answers, ctx, result)
    except IntegrityError:
        raise  # a broken invariant of our own tables: not a bad fact
    except DatabaseError:
        return reconcile(ctx, rules)
    result.resolved = resolve_alerts(now=ctx.now, customer_ids=ctx.customer_ids, obligation_ids=changed)
    return result


def reflect(*, customer_ids: Iterable[int] | None = None, rules: Iterable[str] | None = None,
            touched: Iterable[str] | None = None, now: dt.datetime | None = None) -> ReconcileResult:
    """Re-evaluate what a write changed — call it inside the service's transaction. With `customer_ids`, only
    those accounts' obligations (and their tickets', requests', visits'); without, the given rules for all.
    `touched` names the kinds of fact the write changed ("contact", "visit", "ticket", …: see
    `ClockRule.depends_on`): only the rules that depend on them are judged again. Without `rules` and
    `touched` (a designation, a tier, a manager changed), every rule."""
    ids = set(customer_ids) if customer_ids is not None else None
    if ids is not None and not ids:
        return ReconcileResult()
    selected = list(rules) if rules is not None else None
    if touched is not None:
        depending = engine.rules_depending_on(touched)
        selected = depending if selected is None else [r for r in selected if r in depending]
        if not selected:
            return ReconcileResult()
    ctx = engine.context(now=now, customer_ids=ids)
    if ids is None:
        return reconcile(ctx, selected)
    return _reconcile_together(ctx, selected if selected is not None else list(engine.REGISTRY))


TREND_WEEKS = 8


def lookback(now: dt.datetime) -> dt.datetime:
    """The weeks the compliance trend shows (their rows are kept as history)."""
    from kam.obligations.periods import period_of

    return period_of("week", now).start - dt.timedelta(weeks=TREND_WEEKS - 1)


def reconcile_all(*, now: dt.datetime | None = None, backfill: bool = False) -> ReconcileResult:
    """The sweep's pass over every rule in the engine's default window (the current and previous month).
    `backfill` first judges the trend's weeks too — once, on a new installation or after loading data — so
    that the history rows exist; the regular pass then retires what is older than its window."""
    now = now or timezone.now()
    if backfill:
        reconcile(engine.context(now=now, since=min(lookback(now), engine.default_since(now))))
    return reconcile(engine.context(now=now))


def open_rows() -> Q:
    return Q(state__in=OPEN_STATES)


@transaction.atomic
def obligation_acknowledge(*, actor, obligation: StoredObligation, note: str) -> StoredObligation:
    """A past breach acknowledged with a note by its owner or the head of sales (audited); it stops showing as
    red on "my day" and its alerts close."""
    row = StoredObligation.objects.select_for_update().get(pk=obligation.pk)
    if not (row.owner_id == actor.pk or actor.has_role(Role.HEAD_OF_SALES)
            or (row.owner_id is None and row.owner_role and actor.has_role(row.owner_role))):
        raise AccessDenied(_("只有负责人或销售部负责人可以说明逾期事项。"))
    if row.state != State.BREACHED:
        raise ApplicationError(_("只有已逾期的事项需要说明。"), field="obligation", rule=row.rule)
    if not note.strip():
        raise ApplicationError(_("请填写说明。"), field="note", rule=row.rule)
    row.acknowledged_at, row.acknowledged_by, row.acknowledgement = timezone.now(), actor, note.strip()[:300]
    row.save(update_fields=["acknowledged_at", "acknowledged_by", "acknowledgement"])
    Alert.objects.filter(obligation=row, resolved_at__isnull=True).update(resolved_at=row.acknowledged_at,
                                                                          resolution=Resolution.ACKNOWLEDGED)
    audit_log(actor=actor, action="obligations.obligation.acknowledged", target=row, rule=row.rule,
              changes={"note": row.acknowledgement})
    return row


def on_policy_published(sender, version, **kwargs) -> None:
    """A new policy version (G.1: periods keep the version in force at their start): judge everything again in
    the publishing transaction."""
    reconcile_all()


def on_official_schedule_entered(sender, year: int, **kwargs) -> None:
    """An administrator entered a year's official holiday schedule: due times computed on the provisional
    calendar are judged again."""
    reconcile_all()
