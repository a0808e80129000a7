"""`makemessages` that also extracts `_l("…")` (the code's alias of gettext_lazy): without it the messages of every
list's columns and filters, the import kinds and the classification labels stay out of the catalogue."""

from __future__ import annotations

from django.core.management.commands import makemessages


class Command(makemessages.Command):
    xgettext_options = [*makemessages.Command.xgettext_options, "--keyword=_l"]
