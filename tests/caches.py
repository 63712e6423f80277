"""What a test empties to see a page as it is after the caches' lifetimes: the shared cache and
this process's short-lived copies of anonymous pages (raremap.core.middleware)."""

from django.core.cache import cache

from raremap.core.middleware import forget_local_pages


def empty_caches() -> None:
    cache.clear()
    forget_local_pages()
