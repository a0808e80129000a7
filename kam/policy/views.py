"""Policy pages: the policy in force (公示, A2.3) with its history, version details with the diff,
and the drafting/approval workflow. Views are thin: selectors read, services write."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kam.core.access import login_required, role_required
from kam.core.errors import ApplicationError
from kam.policy import selectors, services
from kam.policy.forms import PolicyValuesForm, PublishForm, ReturnForm
from kam.policy.models import PolicyVersion
from kam.policy.rules import RULES, article_label, rule_anchor, rule_title
from kam.policy.schema import SETTINGS
from kam.users.models import Role


def _table(rows: list[selectors.SettingRow]) -> list[dict]:
    """Rows for the settings table; the first row of each rule carries the rule's anchor."""
    seen: set[str] = set()
    table = []
    for row in rows:
        rule = row.spec.rule
        anchor = rule_anchor(rule) if rule not in seen else ""
        seen.add(rule)
        table.append({"spec": row.spec, "value": row.value, "display": row.display, "anchor": anchor,
                      "article": article_label(rule), "title": rule_title(rule)})
    return table


def _rules_without_settings() -> list[dict]:
    """The rules of the catalogue no setting row carries, so that every rule id has an anchor."""
    with_settings = {spec.rule for spec in SETTINGS.values()}
    return [{"rule": rule, "anchor": rule_anchor(rule), "article": article_label(rule), "title": title}
            for rule, title in RULES.items() if rule not in with_settings]


def _get_version(request, pk: int) -> PolicyVersion:
    try:
        return selectors.policy_version_get(user=request.user, pk=pk)
    except PolicyVersion.DoesNotExist:
        raise Http404 from None


@login_required
def in_force(request):
    """A2.3 公示: every signed-in user sees the policy in force, the criteria first, and the history."""
    now = timezone.now()
    policy = selectors.policy_in_force(at=now)
    versions = list(selectors.policy_versions(user=request.user))
    current = next((v for v in versions if v.pk == policy.version_id), None)
    table = _table(policy.rows())
    user = request.user
    return render(request, "policy/in_force.html", {
        "policy": policy,
        "current": current,
        "criteria_rows": [r for r in table if r["spec"].is_criterion],
        "other_rows": [r for r in table if not r["spec"].is_criterion],
        "history": [v for v in versions if v.is_published],
        "upcoming": [v for v in versions if v.is_published and v.effective_from > now],
        "open_versions": [v for v in versions if not v.is_published],
        "other_rules": _rules_without_settings(),
        "can_draft": user.has_role(Role.HEAD_OF_SALES),
        "now": now,
    })


def _detail_context(request, version: PolicyVersion, *, publish_form=None, return_form=None) -> dict:
    user = request.user
    diff = selectors.version_diff(version)
    previous = selectors.previous_version(version)
    criteria_only = all(SETTINGS[row.name].is_criterion for row in diff)
    is_head = user.has_role(Role.HEAD_OF_SALES)
    is_management = user.has_role(Role.MANAGEMENT)
    unpublished = not version.is_published
    submitted = version.status == PolicyVersion.Status.SUBMITTED
    stale = unpublished and previous is not None and version.based_on_id != previous.pk
    can_publish = unpublished and bool(diff) and not stale and (
        (is_head and criteria_only) or (is_management and submitted))
    rows = _table(selectors.settings_rows(version.values))
    return {
        "version": version,
        "previous": previous,
        "diff": diff,
        "criteria_only": criteria_only,
        "rows": rows,
        "stale": stale,
        "can_edit": is_head and version.is_editable,
        "can_submit": is_head and version.is_editable and bool(diff) and not stale,
        "can_publish": can_publish,
        "can_return": is_management and submitted,
        "publish_form": publish_form or PublishForm(initial={"effective_date": timezone.localdate()}),
        "return_form": return_form or ReturnForm(),
    }


@login_required
def version_detail(request, pk: int):
    version = _get_version(request, pk)
    return render(request, "policy/version_detail.html", _detail_context(request, version))


def _in_force_values() -> dict:
    latest = selectors.latest_published_version()
    return dict(latest.values) if latest is not None else {}


@role_required(Role.HEAD_OF_SALES)
def draft_create(request):
    current = _in_force_values()
    form = PolicyValuesForm(request.POST or None, initial_values=current, current_values=current)
    if request.method == "POST" and form.is_valid():
        try:
            version = services.policy_version_draft(actor=request.user, values=form.clean_policy_values,
                                                    note=form.cleaned_data["note"])
        except ApplicationError as exc:
            form.show_error(exc)
        else:
            messages.success(request, _("草案已保存。"))
            return redirect("policy:version_detail", pk=version.pk)
    return render(request, "policy/version_form.html", {"form": form, "version": None})


@role_required(Role.HEAD_OF_SALES)
def draft_edit(request, pk: int):
    version = _get_version(request, pk)
    if not version.is_editable:
        messages.error(request, _("%(version)s 当前状态为「%(status)s」，不能修改（A2.3）。") % {
            "version": version, "status": version.get_status_display()})
        return redirect("policy:version_detail", pk=version.pk)
    form = PolicyValuesForm(request.POST or None, initial_values=version.values,
                            current_values=_in_force_values(), initial={"note": version.note})
    if request.method == "POST" and form.is_valid():
        try:
            services.policy_version_update_draft(actor=request.user, version=version,
                                                 values=form.clean_policy_values, note=form.cleaned_data["note"])
        except ApplicationError as exc:
            form.show_error(exc)
        else:
            messages.success(request, _("草案已更新。"))
            return redirect("policy:version_detail", pk=version.pk)
    return render(request, "policy/version_form.html", {"form": form, "version": version})


@role_required(Role.HEAD_OF_SALES)
@require_POST
def version_submit(request, pk: int):
    version = _get_version(request, pk)
    try:
        services.policy_version_submit(actor=request.user, version=version)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已提交管理层审批（A2.3）。"))
    return redirect("policy:version_detail", pk=version.pk)


@role_required(Role.HEAD_OF_SALES, Role.MANAGEMENT)
@require_POST
def version_publish(request, pk: int):
    version = _get_version(request, pk)
    form = PublishForm(request.POST)
    if form.is_valid():
        try:
            services.policy_version_publish(actor=request.user, version=version,
                                            effective_from=form.effective_from())
        except ApplicationError as exc:
            form.show_error(exc)
        else:
            messages.success(request, _("%(version)s 已发布，自 %(date)s 起生效。") % {
                "version": version, "date": timezone.localtime(version.effective_from).strftime("%Y-%m-%d %H:%M")})
            return redirect("policy:version_detail", pk=version.pk)
    return render(request, "policy/version_detail.html",
                  _detail_context(request, version, publish_form=form), status=400)


@role_required(Role.MANAGEMENT)
@require_POST
def version_return(request, pk: int):
    version = _get_version(request, pk)
    form = ReturnForm(request.POST)
    if form.is_valid():
        try:
            services.policy_version_return(actor=request.user, version=version,
                                           comment=form.cleaned_data["comment"])
        except ApplicationError as exc:
            form.show_error(exc)
        else:
            messages.success(request, _("已退回销售部负责人（A2.3）。"))
            return redirect("policy:version_detail", pk=version.pk)
    return render(request, "policy/version_detail.html",
                  _detail_context(request, version, return_form=form), status=400)


# --- operating settings (kam.policy.operating) ----------------------------------------------------------------

@role_required(Role.ADMINISTRATOR, Role.HEAD_OF_SALES, Role.MANAGEMENT)
def operating(request):
    """Operating settings: the numbers the issues call settings that the policy's index does not list; the
    administrator and the head of sales change them here (audited: who, old, new, when)."""
    from kam.policy import operating as registry
    from kam.policy.services import operating_setting_set

    may_edit = request.user.has_role(Role.ADMINISTRATOR, Role.HEAD_OF_SALES)
    typed: dict[str, str] = {}
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        key, value = request.POST.get("key", ""), request.POST.get("value", "")
        try:
            new = operating_setting_set(actor=request.user, key=key, value=value)
        except ApplicationError as exc:
            typed[key], errors[key] = value, str(exc.message)
            status = 403 if not may_edit else 400
        else:
            spec = registry.spec(key)
            messages.success(request, _("已将「%(label)s」改为 %(value)s%(unit)s，立即生效。") % {
                "label": spec.label, "value": spec.show(new), "unit": spec.unit})
            return redirect("policy:operating")
    rows = []
    for spec in registry.specs():
        value = registry.operating_value(spec.key)
        rows.append({"spec": spec, "value": spec.show(value), "default": spec.show(spec.parse(spec.default)),
                     "typed": typed.get(spec.key, spec.show(value)), "error": errors.get(spec.key, ""),
                     "title": rule_title(spec.rule)})
    return render(request, "policy/operating.html", {
        "rows": rows, "may_edit": may_edit, "history": selectors.operating_history(user=request.user)},
        status=status)
