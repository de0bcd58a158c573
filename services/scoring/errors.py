"""Error codes of the scoring service (messages in Vietnamese)."""
from common.errors import Conflict, Invalid, NotFound
from common.upstream import UpstreamUnavailable


def not_graded():
    return NotFound("not_graded", "Bài thi chưa được chấm hoặc không tồn tại.")


def round_not_ranked():
    return Conflict("round_not_ranked", "Tuần thi chưa kết thúc hoặc chưa có kết quả xếp hạng chính thức.")


def invalid_round():
    return Invalid("invalid_round", "Số tuần thi không hợp lệ.")


def invalid_limit():
    return Invalid("invalid_limit", "Giới hạn số dòng phải từ 1 đến 1000.")


def invalid_contest():
    return Invalid("invalid_contest", "Mã hội thi không hợp lệ.")



class QuizUnavailable(UpstreamUnavailable):
    """The quiz service did not answer in time. Not a DomainError: it is a transient fault, and an
    event handler that raises it gets its message requeued."""


class KeysStillMissing(Exception):
    """An attempt names questions the quiz service has no key for (even after a fresh fetch)."""
