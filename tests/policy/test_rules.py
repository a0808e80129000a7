"""Citing rules: rule ids → article labels, anchors and links to the policy page (公示)."""

from __future__ import annotations

import pytest
from django.template import Context, Template

from kam.policy.rules import article_label, article_number, chinese_number, rule_anchor, rule_citation


@pytest.mark.parametrize(("rule", "label"), [
    ("A2.1", "第二条"), ("A5.3", "第五条"), ("A10.2", "第十条"), ("A11", "第十一条"), ("A12.2", "第十二条"),
    ("A18.2", "第十八条"), ("G.1", "通则"), ("G.3", "通则"), ("X9", ""),
])
def test_article_label(rule, label):
    assert article_label(rule) == label


def test_article_number_and_chinese_numbers():
    assert article_number("A12.2") == 12 and article_number("G.3") is None
    assert [chinese_number(n) for n in (1, 10, 11, 20, 21, 99)] == ["一", "十", "十一", "二十", "二十一", "九十九"]


def test_rule_anchor_and_citation():
    assert rule_anchor("A12.2") == "rule-A12-2"
    assert rule_anchor("G.3") == "rule-G-3"
    assert rule_citation("A12.2") == "A12.2 · 第十二条"
    assert rule_citation("G.4") == "G.4 · 通则"


def test_rule_link_filter_renders_escaped_link():
    html = Template('{% load policy_tags %}{{ "A12.2"|rule_link }}|{{ rule|rule_link }}|{{ "G.3"|article_label }}'
                    ).render(Context({"rule": "<b>"}))
    link, bad, general = html.split("|")
    assert link == '<a href="/policy/#rule-A12-2">A12.2 · 第十二条</a>'
    assert "<b>" not in bad and "&lt;b&gt;" in bad
    assert general == "通则"
