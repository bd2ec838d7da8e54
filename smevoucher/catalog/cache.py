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

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

CATALOG_GENERATION_KEY = "catalog:generation"


def catalog_generation() -> int:
    return cache.get_or_set(CATALOG_GENERATION_KEY, 1, timeout=None)


def catalog_changed() -> None:
    """What the catalogue shows has changed: after commit, cached listings are dropped."""

    def bump() -> None:
        try:
            cache.incr(CATALOG_GENERATION_KEY)
        except ValueError:
            cache.set(CATALOG_GENERATION_KEY, 2, timeout=None)

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
