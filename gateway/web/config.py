"""Portal settings (environment variables, each with one default; listed in the README)."""
from common.settings import env

# The contest the pages show when the address names none. Empty: the contest with a round open now,
# else the next one to open, else the most recent.
PORTAL_CONTEST = env("PORTAL_CONTEST", "")
# Who may put /embed in an iframe (CSP frame-ancestors). Every other page refuses to be framed.
PORTAL_EMBED_ANCESTORS = env("PORTAL_EMBED_ANCESTORS", "*")
