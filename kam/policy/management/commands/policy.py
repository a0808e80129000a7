"""`manage.py policy show [--json] [--at ISO_DATETIME]`: the policy in force, every setting with its
rule id (rules.md "Settings index")."""

from __future__ import annotations

import datetime as dt
import json
import unicodedata

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from kam.policy.rules import article_label
from kam.policy.selectors import Policy, policy_in_force


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - _width(text))


def parse_at(value: str | None) -> dt.datetime:
    if not value:
        return timezone.now()
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        try:
            parsed = dt.datetime.combine(dt.date.fromisoformat(value), dt.time.min)
        except ValueError:
            raise CommandError(f"--at: not an ISO date/datetime: {value!r}") from None
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed, timezone.get_default_timezone())
    return parsed


def policy_as_json(policy: Policy) -> dict:
    settings = {}
    for row in policy.rows():
        spec = row.spec
        entry = {"rule": spec.rule, "value": row.value, "unit": spec.unit, "label": str(spec.label)}
        if spec.related_rules:
            entry["related_rules"] = list(spec.related_rules)
        settings[spec.name] = entry
    return {
        "version": policy.number,
        "effective_from": timezone.localtime(policy.effective_from).isoformat() if policy.effective_from else None,
        "settings": settings,
    }


class Command(BaseCommand):
    help = "Show the policy in force (every setting with its rule id)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        show = sub.add_parser("show", help="print the policy in force")
        show.add_argument("--json", action="store_true", dest="as_json", help="machine-readable output")
        show.add_argument("--at", dest="at", default=None,
                          help="instant (ISO 8601; naive = Asia/Shanghai); default now")

    def handle(self, *args, **options):
        if options["action"] != "show":  # pragma: no cover - argparse refuses other actions
            raise CommandError("unknown action")
        at = parse_at(options.get("at"))
        policy = policy_in_force(at=at)
        if options.get("as_json"):
            self.stdout.write(json.dumps(policy_as_json(policy), ensure_ascii=False, indent=2))
            return
        self._print_table(policy, at)

    def _print_table(self, policy: Policy, at: dt.datetime) -> None:
        effective = timezone.localtime(policy.effective_from).strftime("%Y-%m-%d %H:%M") \
            if policy.effective_from else "-"
        self.stdout.write(f"Policy version {policy.number} (effective from {effective}), "
                          f"in force at {timezone.localtime(at):%Y-%m-%d %H:%M %Z}")
        header = ("setting", "rule", "article", "value", "unit")
        lines = [header]
        for row in policy.rows():
            spec = row.spec
            lines.append((spec.name, spec.rules_display, article_label(spec.rule), row.display,
                          str(spec.unit_label)))
        widths = [max(_width(line[i]) for line in lines) for i in range(len(header))]
        for n, line in enumerate(lines):
            self.stdout.write("  ".join(_pad(cell, widths[i]) for i, cell in enumerate(line)).rstrip())
            if n == 0:
                self.stdout.write("  ".join("-" * w for w in widths))
