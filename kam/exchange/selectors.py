from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from kam.exchange.models import ImportMapping, ImportRun
from kam.exchange.registry import kinds_for
from kam.users.models import Role, User


def import_runs(*, user: User) -> QuerySet[ImportRun]:
    """Head of sales sees every import; others their own imports of kinds they may still import."""
    names = [k.name for k in kinds_for(user)]
    qs = ImportRun.objects.filter(kind__in=names).select_related("created_by", "mapping")
    if not user.has_role(Role.HEAD_OF_SALES):
        qs = qs.filter(created_by=user)
    return qs.order_by("-created_at", "-id")


def import_run_get(*, user: User, pk: int) -> ImportRun:
    run = import_runs(user=user).filter(pk=pk).first()
    if run is None:
        raise Http404("import not found")
    return run


def import_mappings(*, user: User, kind: str | None = None) -> QuerySet[ImportMapping]:
    qs = ImportMapping.objects.filter(kind__in=[k.name for k in kinds_for(user)])
    if kind:
        qs = qs.filter(kind=kind)
    return qs.order_by("kind", "name")
