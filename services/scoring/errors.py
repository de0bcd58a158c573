"""Error codes of the scoring service with their Vietnamese messages.

Domain code raises `err(Class, code)` so that one code always carries the same message.
"""
from common import errors

MESSAGES = {
    "invalid_contest": "Mã hội thi không hợp lệ.",
    "invalid_round": "Số tuần thi không hợp lệ.",
    "invalid_limit": "Giới hạn số dòng phải từ 1 đến 1000.",
    "round_not_ranked": "Tuần thi chưa kết thúc hoặc chưa có kết quả xếp hạng chính thức.",
}

err = errors.messages(MESSAGES)


class KeysStillMissing(Exception):
    """An attempt names questions the quiz service has no key for (even after a fresh fetch): the
    event handler raises it so that the message is requeued and retried later."""
