"""Portal settings (environment variables, each with one default; listed in the README)."""
from pydantic import model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class PortalSettings(BaseSettings):
    # Unknown variables are someone else's; an empty one means its default.
    model_config = SettingsConfigDict(extra="ignore", case_sensitive=False, env_ignore_empty=True)

    # The contest the pages show when the address names none and the browser remembers none (app.js).
    # Empty: a listed contest with a round open now, else the next one to open, else the latest listed.
    portal_contest: str = ""
    # Who may put /embed in an iframe (CSP frame-ancestors). Every other page refuses to be framed.
    portal_embed_ancestors: str = "*"

    # Where browsers fetch clips and thumbnails and send uploads: the public S3/MinIO address in
    # media's presigned URLs (same variables and defaults as services/media/config.py). The pages'
    # Content-Security-Policy allows it besides the portal itself; portal_media_origin overrides it.
    s3_endpoint: str = "127.0.0.1:9000"
    s3_secure: bool = False
    s3_public_endpoint: str | None = None  # unset: s3_endpoint
    s3_public_secure: bool | None = None   # unset: s3_secure
    portal_media_origin: str | None = None  # unset: built from the two above

    @model_validator(mode="after")
    def _media_origin(self):
        if self.portal_media_origin is None:
            endpoint = self.s3_public_endpoint or self.s3_endpoint
            secure = self.s3_secure if self.s3_public_secure is None else self.s3_public_secure
            self.portal_media_origin = f"{'https' if secure else 'http'}://{endpoint}"
        return self


settings = PortalSettings()


def content_security_policy(frame_ancestors="'self'"):
    """The pages' policy: scripts, styles and everything else from the portal only (the pages have
    no inline script or style), media and uploads also from the clip store, no plugins, and framing
    by the portal itself unless the page says otherwise (/embed)."""
    media = settings.portal_media_origin
    return (f"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: {media}; "
            f"media-src 'self' {media}; connect-src 'self' {media}; frame-src 'self'; "
            f"object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors {frame_ancestors}")
