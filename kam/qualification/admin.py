from django.contrib import admin

from kam.core.admin_mixins import ReadOnlyAdmin
from kam.qualification.models import Designation, Proposal, Review, TierChange


@admin.register(Review)
class ReviewAdmin(ReadOnlyAdmin):
    list_display = ("__str__", "status", "period_start", "period_end", "approved_by")


@admin.register(Designation)
class DesignationAdmin(ReadOnlyAdmin):
    list_display = ("customer", "tier", "source", "started_at", "ended_at")
    list_filter = ("tier", "source")


@admin.register(TierChange)
class TierChangeAdmin(ReadOnlyAdmin):
    list_display = ("customer", "tier", "effective_at")


@admin.register(Proposal)
class ProposalAdmin(ReadOnlyAdmin):
    list_display = ("customer", "kind", "status", "proposed_at")
