"""Saving and removing a user's list views (the shared list component, kam.core.lists)."""

from django import forms
from django.contrib import messages
from django.http import QueryDict
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.views.decorators.http import require_POST

from kam.core.access import login_required
from kam.core.models import SavedView
from kam.core.redirects import safe_next


class SavedViewForm(forms.Form):
    list_name = forms.RegexField(regex=r"^[a-z_]+\.[a-z_]+$", max_length=60)
    name = forms.CharField(label=_l("视图名称"), max_length=60)
    query = forms.CharField(max_length=1000, required=False)


@login_required
@require_POST
def saved_view_save(request):
    form = SavedViewForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请填写视图名称（最多 60 字）。"))
        return redirect(safe_next(request, "home"))
    data = form.cleaned_data
    query = QueryDict(data["query"], mutable=True)
    for key in ("page", "view"):
        query.pop(key, None)
    view, created = SavedView.objects.update_or_create(
        user=request.user, list_name=data["list_name"], name=data["name"].strip(), defaults={"query": query.urlencode()})
    messages.success(request, (_("已保存视图「%(n)s」。") if created else _("已更新视图「%(n)s」。")) % {"n": view.name})
    target = safe_next(request, "home")
    return redirect(f"{target.split('?')[0]}?view={view.pk}")


@login_required
@require_POST
def saved_view_delete(request, pk: int):
    view = get_object_or_404(SavedView, pk=pk, user=request.user)
    view.delete()
    messages.success(request, _("已删除视图「%(n)s」。") % {"n": view.name})
    return redirect(safe_next(request, "home"))
