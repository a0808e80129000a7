"""Extension points of the policy (a lower layer): apps above react without the policy importing them."""

from django.dispatch import Signal

#: sent inside the publishing transaction, sender=PolicyVersion class, version=the published version
policy_published = Signal()
