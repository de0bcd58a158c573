"""The one place for time: every stored time is an aware UTC datetime (common.types.UTCDateTime),
and every time on the wire is ISO 8601 with its offset."""
import datetime as dt

UTC = dt.timezone.utc


def utcnow():
    return dt.datetime.now(UTC)


def as_utc(value):
    """`value` as an aware UTC datetime. A naive value is taken as UTC: that is how SQLite hands
    back what was stored, and how every service writes."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def iso(value):
    """ISO 8601 text of a datetime (UTC), or None."""
    return None if value is None else as_utc(value).isoformat()
