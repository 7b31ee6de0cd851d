"""Counting requests in the shared cache (settings.CACHES: Redis or the database)."""

import logging

from django.core.cache import cache

logger = logging.getLogger(__name__)


def count(key: str, window: int) -> int | None:
    """Counts one more under `key`, in a window of `window` seconds that began with the first
    count, and returns the count so far; None when the cache is down (logged)."""
    try:
        cache.add(key, 0, timeout=window)
        return cache.incr(key)
    except ValueError:  # expired between add and incr: a new window
        cache.set(key, 1, timeout=window)
        return 1
    except Exception:
        logger.exception("Cache indisponível ao contar %s", key)
        return None


def over_limit(key: str, limit: int, window: int) -> bool:
    """Counts one request under `key` and says whether it exceeds `limit` in its window. A
    cache that is down limits nothing."""
    counted = count(key, window)
    return counted is not None and counted > limit
