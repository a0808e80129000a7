"""The `kam` command: a thin wrapper over the management commands.

    kam demo | kam generate --customers N | kam policy show --json | kam bench api | kam serve …
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv[1:] if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kam.settings")
    from django.core.management import execute_from_command_line

    if not argv or argv[0] in {"-h", "--help", "help"}:
        print(__doc__)
        argv = ["help"]
    execute_from_command_line(["kam", *argv])


if __name__ == "__main__":
    main()
