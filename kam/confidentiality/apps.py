from django.apps import AppConfig


class ConfidentialityConfig(AppConfig):
    """A7: field classification (basic / core), masking, the audited reveal, and management's pages over the
    append-only audit and core-access logs. Foundation: below every app that shows customer data."""

    name = "kam.confidentiality"
    label = "confidentiality"
    verbose_name = "分级保密"
