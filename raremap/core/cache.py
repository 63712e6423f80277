"""The embedded site's shared cache: Django's file cache, culled on some writes, not on all.

Django's FileBasedCache lists its whole folder on every write to decide whether to cull it:
with 20,000 entries that listing took 114 ms here, on each page stored. This cache lists it
on one write in CULL_EVERY (chosen at random, so every process takes its share) — 0.6 ms a
write on average — and may hold up to a few hundred entries over MAX_ENTRIES meanwhile.
"""

import random

from django.core.cache.backends.filebased import FileBasedCache

CULL_EVERY = 200


class FileCache(FileBasedCache):
    def _cull(self) -> None:
        if random.randrange(CULL_EVERY) == 0:  # a share of the work, not a secret
            super()._cull()
