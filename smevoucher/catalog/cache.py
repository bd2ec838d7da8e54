"""The public catalogue's cache.

The catalogue's aggregates (products per category, the number of matches) and each page's
product ids are read from the cache (Redis in production) for CATALOG_CACHE_SECONDS, per
filter set and sort. Every change of what the catalogue shows (a product's or a provider's
status, an approved revision) moves the catalogue's generation after commit, so cached
answers of the old generation are not used again. The products of a page are always read
fresh, by id.
"""

from __future__ import annotations

import hashlib
import json
import time

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

CATALOG_GENERATION_KEY = "catalog:generation"
# Each process reads the generation at most this often (one cache round trip saved on every
# cached read of a page); a change made in another process shows within this delay.
GENERATION_READ_SECONDS = 1.0
_generation: tuple[float, int] | None = None  # (read at, value) in this process


def catalog_generation() -> int:
    global _generation
    now = time.monotonic()
    if _generation is None or now - _generation[0] > GENERATION_READ_SECONDS:
        _generation = (now, cache.get_or_set(CATALOG_GENERATION_KEY, 1, timeout=None))
    return _generation[1]


def catalog_changed() -> None:
    """What the catalogue shows has changed: after commit, cached listings are dropped."""

    def bump() -> None:
        global _generation
        try:
            value = cache.incr(CATALOG_GENERATION_KEY)
        except ValueError:
            value = 2
            cache.set(CATALOG_GENERATION_KEY, value, timeout=None)
        _generation = (time.monotonic(), value)

    transaction.on_commit(bump)


def cached(parts: list, compute):
    seconds = settings.CATALOG_CACHE_SECONDS
    if seconds <= 0:
        return compute()
    digest = hashlib.sha256(
        json.dumps([catalog_generation(), *parts], sort_keys=True, default=str).encode()
    ).hexdigest()
    key = f"catalog:{digest}"
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, seconds)
    return value
