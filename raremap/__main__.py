"""The `raremap` console script: Django's management commands under our own name."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "raremap.settings")
    # One thread for numpy's BLAS in commands (the task worker's digest embeddings): OpenBLAS
    # starts a thread per core, which spin after each product and took the cores the web
    # processes of the same machine answer on (docs/benchmarks.md, cluster). More workers, not
    # more threads, give background work more of a machine. Before numpy is imported.
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["raremap", *sys.argv[1:]])


if __name__ == "__main__":
    main()
