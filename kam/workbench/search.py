"""The global search's pages (issue 13): `/search/?q=…` (every group, or one group paged with `kind`) and the
drop-down of the top hits under the box in the top bar (`/search/suggest/?q=…`, htmx, debounced as the user
types). What is found, and for whom, is the providers' business (kam.core.search): each reads through its own
app's selectors, so a person finds exactly what their pages show them.

Bad input (empty, too long, SQL wildcards) is a form error or no hits, never a 500. The query is never logged
(kam.core.logging redacts `q` of these URLs): it may be the last digits of a decision maker's phone.
"""

from __future__ import annotations

from django import forms
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe

from kam.core import search
from kam.core.access import role_required
from kam.core.inputs import FilterForm
from kam.users.models import CUSTOMER_READER_ROLES

#: hits per group on the results page and in the drop-down; a group paged on its own
OVERVIEW_HITS = 5
SUGGEST_HITS = 3
PAGE_HITS = 20
MAX_PAGE = 50


class SearchForm(FilterForm):
    q = forms.CharField(label=_("搜索内容"), required=False, max_length=search.MAX_LENGTH, strip=True)
    kind = forms.ChoiceField(label=_("类别"), required=False)
    page = forms.IntegerField(label=_("页码"), required=False, min_value=1, max_value=MAX_PAGE)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.providers = search.providers_for(user)
        self.fields["kind"].choices = [("", "—"), *((p.key, p.label) for p in self.providers)]


def _search(request, *, limit: int, paged: bool):
    """(form, query, kind, page, groups): the groups are empty when the form is not valid."""
    form = SearchForm(request.GET, user=request.user)
    if not form.is_valid():
        return form, search.Query(""), "", 1, []
    query = search.parse(form.cleaned_data["q"])
    kind = form.cleaned_data["kind"] if paged else ""
    page = form.cleaned_data["page"] or 1
    if kind:
        groups = search.run(user=request.user, query=query, limit=PAGE_HITS, kinds=(kind,),
                            offset=(page - 1) * PAGE_HITS)
    else:
        groups = search.run(user=request.user, query=query, limit=limit)
    return form, query, kind, page, groups


@role_required(*CUSTOMER_READER_ROLES)
@require_safe
def search_page(request):
    form, query, kind, page, groups = _search(request, limit=OVERVIEW_HITS, paged=True)
    return render(request, "workbench/search.html", {
        "form": form, "query": query, "kind": kind, "page": page, "groups": groups,
        "kind_label": next((p.label for p in form.providers if p.key == kind), ""),
        "providers": form.providers, "max_page": MAX_PAGE}, status=200 if form.is_valid() else 400)


@role_required(*CUSTOMER_READER_ROLES)
@require_safe
def search_suggest(request):
    """The drop-down's fragment: the top hits of each group and a link to all results."""
    form, query, _kind, _page, groups = _search(request, limit=SUGGEST_HITS, paged=False)
    return render(request, "workbench/_search_suggest.html", {"form": form, "query": query, "groups": groups},
                  status=200 if form.is_valid() else 400)
