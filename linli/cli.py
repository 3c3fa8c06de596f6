"""The ``linli`` command: every Django management command, with Linli's settings.

``linli demo``, ``linli serve``, ``linli worker``, ``linli audit verify``,
``linli token create USER`` and the usual ``linli migrate`` / ``linli createsuperuser``.
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "linli.settings")
    from django.core.management import execute_from_command_line

    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] == "worker":
        args[0] = "run_huey"
    execute_from_command_line(["linli", *args])


if __name__ == "__main__":
    main()
