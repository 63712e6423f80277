"""The `raremap` console script: Django's management commands under our own name."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "raremap.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["raremap", *sys.argv[1:]])


if __name__ == "__main__":
    main()
