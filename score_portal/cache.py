"""A Redis cache that lets the portal go on when Redis stops.

Nothing the portal keeps in the cache is the only copy: dashboard blocks are computed again,
allauth's sign-in rate limits and used-code records start afresh. So when Redis cannot be
reached, a read answers "not cached", a write is dropped, and the page is served; a warning is
logged (at most once a minute) so the operator knows. Connections give up after a second, so a
stopped Redis costs a page a second at most, not a hang.
"""

import logging
import time

from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

log = logging.getLogger(__name__)
UNREACHABLE = (RedisConnectionError, RedisTimeoutError, OSError)
_last_warning = [0.0]


def _warn(operation):
    now = time.monotonic()
    if now - _last_warning[0] > 60:
        _last_warning[0] = now
        log.warning("cache unreachable (%s): serving without it", operation, exc_info=True)


def _tolerant(name, fallback):
    def method(self, *args, **kwargs):
        try:
            return getattr(super(TolerantRedisCache, self), name)(*args, **kwargs)
        except UNREACHABLE:
            _warn(name)
            return fallback(*args, **kwargs) if callable(fallback) else fallback

    method.__name__ = name
    return method


class ReusingRedisCacheClient(RedisCacheClient):
    """Django's client builds a new redis.Redis around the shared connection pool for every
    operation, which costs as much as the round trip to a local Redis. One per pool is kept
    instead: a redis.Redis may be shared between threads (each command takes a connection from
    the pool)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class TolerantRedisCache(RedisCache):
    def __init__(self, server, params):
        params = {**params, "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1, **params.get("OPTIONS", {})}}
        super().__init__(server, params)
        self._class = ReusingRedisCacheClient

    get = _tolerant("get", lambda key, default=None, version=None: default)
    get_many = _tolerant("get_many", {})
    has_key = _tolerant("has_key", False)
    add = _tolerant("add", True)  # as if stored, like the dummy cache: nobody else can hold the key
    set = _tolerant("set", None)
    set_many = _tolerant("set_many", [])
    touch = _tolerant("touch", False)
    delete = _tolerant("delete", False)
    delete_many = _tolerant("delete_many", None)
    clear = _tolerant("clear", None)
    incr = _tolerant("incr", None)
    decr = _tolerant("decr", None)
