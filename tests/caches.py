"""What a test empties to see a page as it is after the caches' lifetimes: the shared cache and
this process's copies of what it read from it (anonymous pages, kept pages:
raremap.core.cache.ProcessCopies)."""

from django.core.cache import cache

from raremap.core.cache import forget_process_copies


def empty_caches() -> None:
    cache.clear()
    forget_process_copies()
