"""Portal settings (environment variables, each with one default; listed in the README)."""
from common.settings import env, env_bool

# The contest the pages show when the address names none. Empty: the contest with a round open now,
# else the next one to open, else the most recent.
PORTAL_CONTEST = env("PORTAL_CONTEST", "")
# Who may put /embed in an iframe (CSP frame-ancestors). Every other page refuses to be framed.
PORTAL_EMBED_ANCESTORS = env("PORTAL_EMBED_ANCESTORS", "*")

# Where browsers fetch clips and thumbnails and send uploads: the public S3/MinIO address in media's
# presigned URLs (same variables and defaults as services/media/config.py). The pages'
# Content-Security-Policy allows it besides the portal itself; PORTAL_MEDIA_ORIGIN overrides it.
_S3_PUBLIC_ENDPOINT = env("S3_PUBLIC_ENDPOINT", env("S3_ENDPOINT", "127.0.0.1:9000"))
_S3_PUBLIC_SECURE = env_bool("S3_PUBLIC_SECURE", env_bool("S3_SECURE", False))
PORTAL_MEDIA_ORIGIN = env("PORTAL_MEDIA_ORIGIN",
                          f"{'https' if _S3_PUBLIC_SECURE else 'http'}://{_S3_PUBLIC_ENDPOINT}")


def content_security_policy(frame_ancestors="'self'"):
    """The pages' policy: scripts, styles and everything else from the portal only (the pages have
    no inline script or style), media and uploads also from the clip store, no plugins, and framing
    by the portal itself unless the page says otherwise (/embed)."""
    media = PORTAL_MEDIA_ORIGIN
    return (f"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: {media}; "
            f"media-src 'self' {media}; connect-src 'self' {media}; frame-src 'self'; "
            f"object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors {frame_ancestors}")
