"""How passwords are stored: Argon2id with OWASP's recommended parameters.

Django's default, PBKDF2-SHA256 with 1,000,000 iterations, took 0.3–0.55 s of a core per
log-in, sign-up and reset here: on a small server a few log-ins a second take a whole core
from members' pages and writes (bench/cluster.py, docs/benchmarks.md), and a log-in flood
costs the site far more than it costs the sender. Argon2id (Django's recommended hasher, with
argon2-cffi) with the parameters OWASP's Password Storage Cheat Sheet gives as its first choice
— 19 MiB of memory, 2 passes, 1 lane — takes about 25 ms, and its memory cost is what makes
guessing on GPUs expensive, which PBKDF2 lacks. Hashes made with other parameters or by PBKDF2
still verify and are replaced by this hasher's at the member's next log-in (Django's
must_update)."""

from django.contrib.auth.hashers import Argon2PasswordHasher


class OwaspArgon2PasswordHasher(Argon2PasswordHasher):
    time_cost = 2
    memory_cost = 19 * 1024  # KiB
    parallelism = 1
