"""Request bodies and response shapes of the video clip endpoints (API.md "Video clips").

Kept apart from gateway/schemas.py; the same conventions: inputs forbid unknown fields, outputs
allow the extra fields a service adds.
"""
from typing import Literal

from pydantic import Field

from gateway.schemas import In, Out

ClipStatus = Literal["uploading", "processing", "accepted", "rejected"]


class ClipIn(In):
    unit_code: str = Field(min_length=1, max_length=64, description="Mã đơn vị dự thi")
    title: str = Field(min_length=1, max_length=300, description="Tên video clip")
    category: str | None = Field(None, max_length=100,
                                 description="Thể loại: phóng sự, tiểu phẩm, hướng dẫn thủ tục, mô hình/sáng kiến...")
    filename: str = Field(min_length=1, max_length=255)
    size_bytes: int = Field(gt=0, description="Dung lượng tệp (byte); tối đa MAX_CLIP_BYTES (mặc định 2 GiB)")
    content_type: str = Field(min_length=1, max_length=100,
                              description="video/mp4, video/quicktime, video/x-matroska, video/x-msvideo hoặc video/webm")


class ClipFileIn(In):
    """The file chosen again for a clip whose upload failed (POST /clips/{id}/upload)."""
    filename: str = Field(min_length=1, max_length=255)
    size_bytes: int = Field(gt=0, description="Dung lượng tệp (byte); tối đa MAX_CLIP_BYTES (mặc định 2 GiB)")
    content_type: str = Field(min_length=1, max_length=100,
                              description="video/mp4, video/quicktime, video/x-matroska, video/x-msvideo hoặc video/webm")


class UploadPartOut(Out):
    part_number: int
    url: str


class UploadOut(Out):
    parts: list[UploadPartOut]
    part_size: int


class ClipUploadOut(Out):
    clip_id: str
    upload: UploadOut


class PartIn(In):
    part_number: int = Field(ge=1, le=10000)
    etag: str = Field(min_length=1, max_length=200, description="Giá trị header ETag kho lưu trữ trả về cho phần đó")


class CompleteIn(In):
    parts: list[PartIn] = Field(min_length=1, max_length=10000)


class CompleteOut(Out):
    clip_id: str
    status: ClipStatus


class ClipOut(Out):
    clip_id: str
    unit_code: str
    title: str
    status: ClipStatus
    duration_s: float | None
    reject_reason: str | None
    playback_url: str | None
    thumbnail_url: str | None
    score: float | None = Field(description="Điểm cuối cùng (trung bình điểm các giám khảo được phân công). "
                                            "Giám khảo và công chúng chỉ thấy sau khi bộ giải video clip được "
                                            "phê duyệt; từ đó điểm được khóa (scores_locked: true)")


class GalleryClipOut(Out):
    clip_id: str
    unit_code: str
    title: str
    duration_s: float | None
    playback_url: str | None
    thumbnail_url: str | None


class ScoreIn(In):
    content: float = Field(description="Nội dung (mặc định tối đa 40)")
    message: float = Field(description="Thông điệp và sức lan tỏa (mặc định tối đa 20)")
    creativity: float = Field(description="Tính sáng tạo (mặc định tối đa 20)")
    technique: float = Field(description="Kỹ thuật (mặc định tối đa 20)")


class OwnScoreOut(Out):
    clip_id: str
    content: float
    message: float
    creativity: float
    technique: float
    total: float


class RubricIn(In):
    content: float = Field(gt=0, le=1000)
    message: float = Field(gt=0, le=1000)
    creativity: float = Field(gt=0, le=1000)
    technique: float = Field(gt=0, le=1000)


class RubricCriterionOut(Out):
    key: str
    label: str
    max: float


class RubricOut(Out):
    contest: str
    total: float
    criteria: list[RubricCriterionOut]
