"""Reads of stored obligations for pages and the API: my day (one person's), a department's queue, one
subject's clocks, and the compliance overview (everyone's). A few indexed queries each, whatever the data size;
nothing here evaluates the engine."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone

from kam.core.access import require_role
from kam.obligations.contributions import annotate
from kam.obligations.models import OPEN_STATES, Alert, State, StoredObligation
from kam.obligations.periods import period_of
from kam.users.models import Role, User

DONE_STATES = (State.MET, State.MET_LATE)


def concerning(user: User) -> Q:
    """The person owns it, watches it (the account manager of a ticket or request), or holds the role that owns
    it."""
    roles = list(user.roles)
    return Q(owner=user) | Q(watcher=user) | Q(owner__isnull=True, owner_role__in=roles)


def live() -> QuerySet[StoredObligation]:
    return StoredObligation.objects.filter(live=True)


@dataclass
class MyDay:
    overdue: list[StoredObligation] = field(default_factory=list)
    today: list[StoredObligation] = field(default_factory=list)
    week: list[StoredObligation] = field(default_factory=list)
    done: list[StoredObligation] = field(default_factory=list)  # met in periods still running
    acknowledged: list[StoredObligation] = field(default_factory=list)  # past breaches explained
    per_rule: Counter = field(default_factory=Counter)
    accounts: dict[int, list[StoredObligation]] = field(default_factory=dict)


def my_day(*, user: User, now: dt.datetime | None = None) -> MyDay:
    """Overdue, due today, this week, done this period — two queries."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    week_end = now + dt.timedelta(days=7)
    result = MyDay()
    mine = live().filter(concerning(user))
    open_rows = mine.filter(Q(state__in=(State.BREACHED, State.DUE_SOON)) | Q(state=State.UPCOMING,
                                                                             due_at__lte=week_end))
    for o in open_rows.order_by("due_at", "rule", "id"):
        if o.state == State.BREACHED:
            (result.acknowledged if o.acknowledged_at else result.overdue).append(o)
            if o.acknowledged_at:
                continue
        elif o.state == State.DUE_SOON or timezone.localdate(o.due_at) <= today:
            result.today.append(o)
        else:
            result.week.append(o)
        result.per_rule[o.rule] += 1
        if o.customer_id:
            result.accounts.setdefault(o.customer_id, []).append(o)
    result.done = list(mine.filter(state__in=DONE_STATES, window_start__lte=now, due_at__gt=now).order_by(
        "due_at", "rule", "id"))
    # what other chapters show beside their rows (A14.1: the customer's customs beside each occasion)
    annotate(result.overdue + result.acknowledged + result.today + result.week + result.done)
    return result


#: a queue's views (issue 13: the home page's figures link to them and count the same rows)
QUEUE_STATES = ("due_soon", "breached", "done")


def queue(*, department: str, now: dt.datetime | None = None, owner: User | None = None, state: str = ""
          ) -> QuerySet[StoredObligation]:
    """A4: a department's open items by due time (the page paginates); `state` narrows it to what is due soon,
    what is breached, or what was done this week (met in the current week, on time or late)."""
    now = now or timezone.now()
    if state == "done":
        qs = StoredObligation.objects.filter(queue=department, state__in=DONE_STATES,
                                             met_at__gte=period_of("week", now).start, met_at__lte=now)
    else:
        states = {"due_soon": (State.DUE_SOON,), "breached": (State.BREACHED,)}.get(state, OPEN_STATES)
        qs = live().filter(queue=department, state__in=states)
    qs = qs.select_related("owner", "customer")
    if owner is not None:
        qs = qs.filter(owner=owner)
    return qs.order_by("due_at", "rule", "id")


def subject_clocks(*, subject_type: str, subject_id: int, rules: list[str] | None = None
                   ) -> list[StoredObligation]:
    """The clocks of one ticket, request or visit (any state but void)."""
    qs = StoredObligation.objects.filter(subject_type=subject_type, subject_id=subject_id).exclude(
        state=State.OBSOLETE)
    if rules:
        qs = qs.filter(rule__in=rules)
    return list(qs.order_by("due_at", "rule"))


CUSTOMER_OPEN_SHOWN = 50


def customer_open_rows(*, customer_id: int) -> QuerySet[StoredObligation]:
    """What is open on one account (its dossier), soonest due first: a queryset, so that the dossier can read it
    with its other satellites in one query."""
    return live().filter(customer_id=customer_id, state__in=OPEN_STATES).order_by("due_at", "rule")[
        :CUSTOMER_OPEN_SHOWN]


def customer_open(*, customer_id: int) -> list[StoredObligation]:
    """What is open on one account (its dossier)."""
    return list(customer_open_rows(customer_id=customer_id))


def order_open(rows: list[StoredObligation]) -> list[StoredObligation]:
    """`customer_open`'s order for rows read some other way."""
    return sorted(rows, key=lambda o: (o.due_at, o.rule, o.pk))


CUSTOMER_ALERTS_SHOWN = 10


def customer_alerts(*, customer_id: int) -> QuerySet[Alert]:
    """The account's latest alerts (its dossier), newest first."""
    return Alert.objects.filter(customer_id=customer_id).order_by("-created_at")[:CUSTOMER_ALERTS_SHOWN]


@dataclass
class ComplianceRow:
    owner: str
    owner_key: str
    cells: dict[str, Counter]
    cell_list: list = field(default_factory=list)  # (rule, counter or None) in the table's rule order

    @property
    def breached(self) -> int:
        return sum(c.get("breached", 0) for c in self.cells.values())


@dataclass(frozen=True)
class WeekTrend:
    key: str
    due: int
    met: int

    @property
    def percent(self) -> int | None:
        return round(100 * self.met / self.due) if self.due else None


@dataclass
class Compliance:
    rows: list[ComplianceRow]
    rules: list[str]
    trend: list[WeekTrend]
    totals: list = field(default_factory=list)  # (rule, counter) over every owner


def compliance(*, user: User, now: dt.datetime | None = None, weeks: int = 8) -> Compliance:
    """Per owner and rule: open / met / breached in the current and previous month (one GROUP BY), and the share
    met of what fell due in each of the last `weeks` weeks (one query)."""
    require_role(user, Role.HEAD_OF_SALES, Role.MANAGEMENT)
    now = now or timezone.now()
    cutoff = period_of("month", now).previous().start
    rows: dict[str, ComplianceRow] = {}
    # one GROUP BY on the covering index (obl_compliance), no join: the owners' names in one more query
    grouped = (StoredObligation.objects.filter(due_at__gt=cutoff, window_start__lte=now)
               .exclude(state=State.OBSOLETE).order_by().values("owner_id", "owner_role", "rule", "state")
               .annotate(running=Count("id", filter=Q(due_at__gt=now)), ended=Count("id", filter=Q(due_at__lte=now)))
               .values_list("owner_id", "owner_role", "rule", "state", "running", "ended"))
    role_names = {str(r): str(r.label) for r in Role}  # a row owned by a role reads as the role, in words
    sql, params = grouped.query.sql_with_params()
    with connection.cursor() as cur:  # plain tuples: thousands of groups, no per-value converters
        cur.execute(sql, params)
        found = cur.fetchall()
    owner_ids = {g[0] for g in found if g[0]}
    names = {pk: display or username for pk, display, username in User.objects.filter(pk__in=owner_ids).values_list(
        "id", "display_name", "username")} if owner_ids else {}
    open_states, error, breached = {str(s) for s in OPEN_STATES}, str(State.ERROR), str(State.BREACHED)
    totals: dict[str, Counter] = defaultdict(Counter)
    for owner_id, owner_role, rule, state, running, ended in found:
        if owner_id:
            key, label = f"u{owner_id}", names.get(owner_id, str(owner_id))
        else:
            key, label = f"r{owner_role}", role_names.get(owner_role, owner_role)
        row = rows.get(key)
        if row is None:
            row = rows[key] = ComplianceRow(label, key, defaultdict(Counter))
        cell, total = row.cells[rule], totals[rule]
        if state == error:  # issue 12: shown as "cannot evaluate", never hidden
            cell["error"] += running + ended
            total["error"] += running + ended
            continue
        if running:
            part = "open" if state in open_states else "met"
            cell[part] += running
            total[part] += running
        if ended:
            part = "breached" if state == breached else "met"
            cell[part] += ended
            total[part] += ended
    rules = sorted({rule for rule, c in totals.items() if c}, key=_rule_sort)
    for row in rows.values():
        cells = row.cells
        row.cell_list = [(rule, cells.get(rule) or None) for rule in rules]
    return Compliance(rows=sorted(rows.values(), key=lambda r: r.owner), rules=rules,
                      trend=weekly_trend(now=now, weeks=weeks),
                      totals=[(rule, totals.get(rule) or None) for rule in rules])


def weekly_trend(*, now: dt.datetime, weeks: int = 8, extra: Q | None = None) -> list[WeekTrend]:
    """What fell due in each of the last `weeks` weeks and how much of it was met — one aggregate query."""
    periods = []
    week = period_of("week", now)
    for _i in range(weeks):
        periods.append(week)
        week = week.previous()
    periods.reverse()
    # each row's week by one CASE (the weeks ascending: the first end at or after its due time), then one
    # GROUP BY with two counts — not two filtered counts per week over every row
    week_of = Case(*[When(due_at__lte=w.end, then=Value(i)) for i, w in enumerate(periods)],
                   default=Value(len(periods)), output_field=IntegerField())
    qs = StoredObligation.objects.exclude(state=State.OBSOLETE).filter(due_at__gt=periods[0].start, due_at__lte=now)
    if extra is not None:
        qs = qs.filter(extra)
    counts = {}
    for i, due, met in qs.order_by().annotate(week=week_of).values("week").annotate(
            d=Count("id"), m=Count("id", filter=Q(state__in=DONE_STATES))).values_list("week", "d", "m"):
        counts[f"d{i}"], counts[f"m{i}"] = due, met
    return [WeekTrend(w.key, counts.get(f"d{i}") or 0, counts.get(f"m{i}") or 0) for i, w in enumerate(periods)]



#: the parts of a compliance cell (issue 13: the home page's figures link to the drill-down by part)
CELL_STATES = ("met", "open", "breached", "error")


def cell_state_q(state: str, *, now: dt.datetime) -> Q | None:
    """The rows a compliance cell counts as `state` — the same split as `compliance()`: a clock still running
    is open (or met when done early), an ended one breached or met; 'cannot evaluate' apart."""
    if state == "error":
        return Q(state=State.ERROR)
    if state == "breached":
        return Q(state=State.BREACHED, due_at__lte=now)
    if state == "open":
        return Q(state__in=OPEN_STATES, due_at__gt=now)
    if state == "met":
        return ~Q(state=State.ERROR) & ((Q(due_at__gt=now) & ~Q(state__in=OPEN_STATES))
                                        | (Q(due_at__lte=now) & ~Q(state=State.BREACHED)))
    return None


def drill_down(*, user: User, owner_key: str = "", rule: str = "", now: dt.datetime | None = None,
               state: str = "") -> QuerySet[StoredObligation]:
    """The rows behind a compliance cell (or one part of it: `state` in CELL_STATES): breaches first, then by
    due time (the page paginates)."""
    require_role(user, Role.HEAD_OF_SALES, Role.MANAGEMENT)
    now = now or timezone.now()
    cutoff = period_of("month", now).previous().start
    qs = StoredObligation.objects.filter(due_at__gt=cutoff, window_start__lte=now).exclude(state=State.OBSOLETE)
    part = cell_state_q(state, now=now)
    if part is not None:
        qs = qs.filter(part)
    if owner_key.startswith("u") and owner_key[1:].isdigit():
        qs = qs.filter(owner_id=int(owner_key[1:]))
    elif owner_key.startswith("r"):
        qs = qs.filter(owner__isnull=True, owner_role=owner_key[1:])
    if rule:
        qs = qs.filter(rule=rule)
    return qs.order_by("state", "due_at", "id").select_related("customer")


def _rule_sort(rule: str) -> tuple:
    head, _, tail = rule.partition(".")
    return (head[0], int(head[1:]) if head[1:].isdigit() else 0, int(tail) if tail.isdigit() else 0)



def head_scope(user: User) -> Q:
    """The head of sales may explain any breach; others only their own (see `concerning`)."""
    return Q() if user.has_role(Role.HEAD_OF_SALES) else Q(pk__in=[])


def alerts_concerning(user: User) -> Q:
    """Alerts of obligations the person owns, watches or owns through a role."""
    roles = list(user.roles)
    return (Q(owner=user) | Q(obligation__watcher=user) | Q(owner__isnull=True, owner_role__in=roles))
