"""Input models of the media service (the gateway validates too; a service trusts no wire)."""
import unicodedata

from pydantic import BaseModel, ConfigDict, Field, StrictInt, ValidationError, field_validator

from services.media.errors import Invalid, err

# Content types browsers and operators send for the containers we accept → file extension.
CONTENT_TYPES = {
    "video/mp4": "mp4",
    "video/quicktime": "mov",
    "video/x-matroska": "mkv",
    "video/matroska": "mkv",
    "video/x-msvideo": "avi",
    "video/avi": "avi",
    "video/msvideo": "avi",
    "video/webm": "webm",
}


def nfc(value):
    return unicodedata.normalize("NFC", value).strip() if isinstance(value, str) else value


class ClipIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    unit_code: str = Field(min_length=1, max_length=64)
    title: str = Field(min_length=1, max_length=300)
    category: str | None = Field(None, max_length=100)
    filename: str = Field(min_length=1, max_length=255)
    size_bytes: StrictInt
    content_type: str = Field(min_length=1, max_length=100)

    @field_validator("unit_code", "title", "category", "filename", "content_type", mode="before")
    @classmethod
    def _nfc(cls, value):
        return nfc(value)


def parse_clip(data):
    """ClipIn from the form, or Invalid with the first problem named in Vietnamese."""
    if not isinstance(data, dict):
        raise err(Invalid, "invalid_input")
    try:
        clip = ClipIn.model_validate(data)
    except ValidationError as exc:
        field = str(exc.errors()[0]["loc"][0]) if exc.errors() and exc.errors()[0]["loc"] else ""
        code = {"title": "invalid_title", "filename": "invalid_filename", "size_bytes": "invalid_size",
                "content_type": "invalid_content_type"}.get(field, "invalid_input")
        raise err(Invalid, code) from None
    clip.content_type = clip.content_type.lower().split(";")[0].strip()
    if clip.content_type not in CONTENT_TYPES:
        raise err(Invalid, "invalid_content_type")
    if clip.size_bytes <= 0:
        raise err(Invalid, "invalid_size")
    return clip


def parse_parts(parts, part_count):
    """[(part_number, etag)] from `[{part_number, etag}]`: numbers 1..part_count, no duplicates."""
    if not isinstance(parts, list) or not parts or len(parts) > part_count:
        raise err(Invalid, "invalid_parts")
    out = {}
    for item in parts:
        if not isinstance(item, dict):
            raise err(Invalid, "invalid_parts")
        number, etag = item.get("part_number"), item.get("etag")
        if (not isinstance(number, int) or isinstance(number, bool) or not 1 <= number <= part_count
                or not isinstance(etag, str) or not etag.strip() or len(etag) > 200 or number in out):
            raise err(Invalid, "invalid_parts")
        etag = etag.strip()
        out[number] = etag if etag.startswith('"') else f'"{etag}"'
    return sorted(out.items())
