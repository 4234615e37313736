"""The dashboards' cache lives in ``score_portal.datacache``, where every app can use it."""

from score_portal.datacache import COUNTED, cached, connect, data_changed, data_version  # noqa: F401
