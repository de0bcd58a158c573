"""Request bodies and answers of the question bank and exclusion list endpoints
(/admin/contests/{contest}/questions, /admin/contests/{contest}/exclusions).

Kept apart from gateway/schemas.py; the same conventions: inputs forbid unknown fields, outputs
allow the extra fields a service adds.
"""
from typing import Literal

from pydantic import Field

from gateway.schemas import In, OptionOut, Out


class OptionIn(In):
    key: Literal["A", "B", "C", "D", "a", "b", "c", "d"]
    text: str = Field(max_length=1000)


class QuestionPatch(In):
    active: bool | None = Field(None, description="false: không bốc thăm câu hỏi vào đề nữa; true: dùng lại")
    text: str | None = Field(None, max_length=2000, description="Nội dung mới (chỉ câu hỏi chưa có trong đề nào)")
    options: list[OptionIn] | None = Field(None, min_length=4, max_length=4,
                                           description="Đủ bốn phương án A–D (chỉ câu hỏi chưa có trong đề nào)")
    answer: str | None = Field(None, max_length=1, description="Đáp án mới A–D (chỉ câu hỏi chưa có trong đề nào); "
                                                              "câu hỏi nhận mã (id) mới")
    reason: str | None = Field(None, max_length=500, description="Lý do (ghi vào nhật ký)")


class BankQuestionOut(Out):
    id: str
    text: str
    options: list[OptionOut]
    answer: str
    source: str | None
    active: bool
    used: bool = Field(description="Đã có trong đề của ít nhất một lượt thi")


class ExclusionOut(Out):
    id_number: str
    full_name: str | None
    source: Literal["list", "staff"] = Field(description="list: danh sách của hội thi; staff: tài khoản "
                                                         "Ban Tổ chức, Ban Giám khảo, Tổ Chuyên viên (tự động)")


class ExclusionRemoveIn(In):
    reason: str | None = Field(None, max_length=500, description="Lý do (ghi vào nhật ký)")
