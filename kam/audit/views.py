from django import forms
from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from kam.audit.selectors import audit_events, mask_changes, masked_field_names
from kam.core.access import role_required
from kam.users.models import Role, User


class AuditFilterForm(forms.Form):
    action = forms.CharField(label=_("动作"), required=False)
    actor = forms.ModelChoiceField(label=_("操作人"), queryset=User.objects.order_by("username"), required=False)
    target_type = forms.CharField(label=_("对象类型"), required=False)
    target_id = forms.CharField(label=_("对象编号"), required=False)
    since = forms.DateField(label=_("起始日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=_("截止日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))


@role_required(Role.MANAGEMENT)
def events(request):
    form = AuditFilterForm(request.GET or None)
    filters = {}
    if form.is_valid():
        data = form.cleaned_data
        filters = {"action": data["action"], "actor_id": data["actor"].pk if data["actor"] else None,
                   "target_type": data["target_type"], "target_id": data["target_id"],
                   "since": data["since"], "until": data["until"]}
    page = Paginator(audit_events(user=request.user, **filters), 50).get_page(request.GET.get("page"))
    masked = masked_field_names()
    for event in page:
        event.shown_changes = mask_changes(event.changes, masked)
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "audit/events.html", {"form": form, "page": page, "query": query.urlencode()})
