"""The one rule for a contest's code (the `{c}` of every contest URL): 2–40 characters, lower-case
letters, digits and hyphens, starting with a letter or digit. Quiz refuses to create any other;
every service refuses to look one up (a 422 `invalid_contest`, before any query); the gateway's
path parameters say the same in the OpenAPI schema."""
import re

MAX_LENGTH = 40
PATTERN = r"^[a-z0-9][a-z0-9-]{1,39}$"
_RE = re.compile(PATTERN)


def is_valid(code):
    return isinstance(code, str) and _RE.fullmatch(code) is not None
