"""Template helpers to cite a rule and link it to the policy page (公示).

    {% load policy_tags %}
    {{ "A12.2"|rule_link }}      -> <a href="/policy/#rule-A12-2">A12.2 · 第十二条</a>
    {{ "G.3"|article_label }}    -> 通则
    {{ "A12.2"|rule_anchor }}    -> rule-A12-2
    {{ "A12.2"|rule_url }}       -> /policy/#rule-A12-2
"""

from __future__ import annotations

from django import template
from django.utils.html import format_html

from kam.policy import rules

register = template.Library()


@register.filter
def rule_link(rule_id) -> str:
    """A link to the rule on the policy page, labelled "A12.2 · 第十二条" (escaped, safe)."""
    rule_id = str(rule_id or "").strip()
    if not rule_id:
        return ""
    return format_html('<a href="{}">{}</a>', rules.rule_url(rule_id), rules.rule_citation(rule_id))


@register.filter
def rule_url(rule_id) -> str:
    return rules.rule_url(str(rule_id or ""))


@register.filter
def rule_anchor(rule_id) -> str:
    return rules.rule_anchor(str(rule_id or ""))


@register.filter
def article_label(rule_id) -> str:
    return rules.article_label(str(rule_id or ""))


@register.filter
def rule_citation(rule_id) -> str:
    return rules.rule_citation(str(rule_id or ""))


@register.filter
def rule_title(rule_id) -> str:
    """The rule's short title from the catalogue ("A12.1" -> 远程沟通频率; "" when unknown)."""
    return rules.rule_title(str(rule_id or ""))
