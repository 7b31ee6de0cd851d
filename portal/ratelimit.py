"""Counting requests in the shared cache (settings.CACHES: Redis or the database)."""

import logging

from django.core.cache import cache

logger = logging.getLogger(__name__)


def over_limit(key: str, limit: int, window: int) -> bool:
    """Counts one request under `key` and says whether it exceeds `limit` in the window of
    `window` seconds that began with the first one. A cache that is down limits nothing."""
    try:
        cache.add(key, 0, timeout=window)
        count = cache.incr(key)
    except ValueError:  # expired between add and incr: a new window
        cache.set(key, 1, timeout=window)
        count = 1
    except Exception:
        logger.exception("Cache indisponível ao contar %s", key)
        return False
    return count > limit
