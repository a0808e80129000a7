from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.cache import cache
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.views.decorators.http import require_POST

from kam.core.access import login_required
from kam.core.errors import ApplicationError
from kam.exchange import pipeline, selectors, services
from kam.exchange.models import ImportStatus
from kam.exchange.parsing import normalize_header
from kam.exchange.registry import get_kind, kinds_for
from kam.exchange.templates_xlsx import template_bytes


class UploadForm(forms.Form):
    kind = forms.ChoiceField(label=_l("导入类型"))
    file = forms.FileField(label=_l("文件（.xlsx 或 .csv）"))
    mapping = forms.ChoiceField(label=_l("列映射（可选）"), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(k.name, k.label) for k in kinds_for(user)]
        self.fields["mapping"].choices = [("", _l("（按模板表头）"))] + [
            (str(m.pk), f"{get_kind(m.kind).label} · {m.name}") for m in selectors.import_mappings(user=user)]


def _start(request, run, *, dry_run: bool) -> None:
    services.import_start(actor=request.user, run=run, dry_run=dry_run)


@login_required
def imports(request):
    kinds = kinds_for(request.user)
    if not kinds:
        raise Http404
    form = UploadForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        mapping = None
        if form.cleaned_data["mapping"]:
            mapping = selectors.import_mappings(user=request.user).filter(pk=form.cleaned_data["mapping"]).first()
        try:
            run = services.import_upload(actor=request.user, kind_name=form.cleaned_data["kind"],
                                         uploaded=form.cleaned_data["file"], mapping=mapping)
            _start(request, run, dry_run=True)
        except ApplicationError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc.message))
        else:
            return redirect("exchange:run", pk=run.pk)
    runs = selectors.import_runs(user=request.user)[:30]
    return render(request, "exchange/imports.html", {"form": form, "kinds": kinds, "runs": runs})


@login_required
def template_download(request, kind: str):
    kind_obj = get_kind(kind) if kind in {k.name for k in kinds_for(request.user)} else None
    if kind_obj is None:
        raise Http404
    response = HttpResponse(template_bytes(kind_obj),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    from urllib.parse import quote

    name = f"导入模板_{kind_obj.label}.xlsx"
    response["Content-Disposition"] = f"attachment; filename=\"template_{kind}.xlsx\"; filename*=UTF-8''{quote(name)}"
    return response


@login_required
def run_detail(request, pk: int):
    run = selectors.import_run_get(user=request.user, pk=pk)
    kind = get_kind(run.kind)
    progress = cache.get(services.progress_key(run.pk))
    if not isinstance(progress, dict):
        progress = {"n": progress or 0, "phase": "reading"}
    context = {"run": run, "kind": kind, "progress": progress["n"], "progress_phase": progress["phase"],
               "can_retry": run.status == ImportStatus.FAILED and services.has_file(run),
               "upload_form": UploadForm(user=request.user, initial={
                   "kind": run.kind, "mapping": run.mapping_id or ""})}
    if run.status == ImportStatus.NEEDS_MAPPING:
        suggestions = pipeline.suggest_mapping(kind, run.source_headers)
        context["mapping_rows"] = [
            {"header": h, "key": normalize_header(h), "suggested": suggestions.get(normalize_header(h), "")}
            for h in run.source_headers if normalize_header(h)]
        context["choice_columns"] = [c for c in kind.columns if c.type == "choice"]
        context["mappings"] = selectors.import_mappings(user=request.user, kind=run.kind)
    if request.headers.get("HX-Request"):
        return render(request, "exchange/run.html#status", context)
    return render(request, "exchange/run.html", context)


@login_required
@require_POST
def run_mapping(request, pk: int):
    run = selectors.import_run_get(user=request.user, pk=pk)
    kind = get_kind(run.kind)
    try:
        existing = request.POST.get("existing")
        if existing:
            mapping = selectors.import_mappings(user=request.user, kind=run.kind).filter(
                pk=int(existing) if existing.isdecimal() else 0).first()
            if mapping is None:
                raise ApplicationError(_("「已保存的映射」无效。"), field="existing")
        else:
            column_map = {normalize_header(h): request.POST.get("col_" + normalize_header(h), "")
                          for h in run.source_headers if normalize_header(h)}
            value_map: dict[str, dict] = {}
            for col in kind.columns:
                text = request.POST.get("val_" + col.field, "").strip()
                pairs = {}
                for line in text.splitlines():
                    if "=" in line:
                        src, dst = line.split("=", 1)
                        labels = {normalize_header(label): v for label, v in col.choices}
                        labels.update({normalize_header(v): v for _label, v in col.choices})
                        if normalize_header(dst) not in labels:
                            raise ApplicationError(_("「%(c)s」没有可选值 %(v)s") % {"c": col.header, "v": dst.strip()},
                                                   field="value_map")
                        pairs[src.strip()] = labels[normalize_header(dst)]
                if pairs:
                    value_map[col.field] = pairs
            mapping = services.mapping_save(actor=request.user, kind_name=run.kind,
                                            name=request.POST.get("name", ""), column_map=column_map,
                                            value_map=value_map)
        services.run_set_mapping(actor=request.user, run=run, mapping=mapping)
        _start(request, run, dry_run=True)
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
    return redirect("exchange:run", pk=run.pk)


@login_required
@require_POST
def run_retry(request, pk: int):
    run = selectors.import_run_get(user=request.user, pk=pk)
    try:
        services.import_retry(actor=request.user, run=run)
        _start(request, run, dry_run=True)
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
    return redirect("exchange:run", pk=run.pk)


@login_required
@require_POST
def run_confirm(request, pk: int):
    run = selectors.import_run_get(user=request.user, pk=pk)
    if run.status != ImportStatus.VALID:
        messages.error(request, _("只有校验通过的文件才能导入。"))
        return redirect("exchange:run", pk=run.pk)
    try:
        _start(request, run, dry_run=False)
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
    else:
        run.refresh_from_db()
        if run.status == ImportStatus.DONE:
            messages.success(request, _("导入完成。"))
    return redirect("exchange:run", pk=run.pk)
