"""Error codes of the awards service with their Vietnamese messages.

Domain code raises `err(Class, code)` so that one code always carries the same message.
"""
from common import errors

Invalid, NotFound, Conflict = errors.Invalid, errors.NotFound, errors.Conflict

MESSAGES = {
    # input
    "invalid_kind": "Loại giải không hợp lệ: chỉ nhận weekly (giải tuần), video (giải video clip) hoặc collective (giải tập thể).",
    "invalid_round": "Giải tuần cần số thứ tự tuần thi (số nguyên từ 1); giải video clip và giải tập thể không nhận tuần thi.",
    "invalid_contest": "Mã hội thi không hợp lệ.",
    "invalid_prize_table": "Cơ cấu giải thưởng không hợp lệ.",
    "invalid_index": "Số thứ tự giấy khen không hợp lệ.",
    "invalid_contestant": "Mã thí sinh không hợp lệ.",
    "invalid_format": "Định dạng tài liệu không hợp lệ: chỉ nhận xlsx hoặc pdf.",
    "reason_required": "Cần ghi lý do thu hồi kết quả giải thưởng.",
    # not found
    "award_set_not_found": "Không tìm thấy kết quả giải thưởng (có thể bản dự thảo đã được tính lại với mã mới).",
    "winner_not_found": "Không có người đoạt giải với số thứ tự này.",
    "round_not_found": "Không tìm thấy tuần thi.",
    # state
    "round_not_final": "Tuần thi chưa kết thúc hoặc chưa có xếp hạng chung cuộc: chưa thể xét giải tuần.",
    "rounds_not_final": "Còn tuần thi chưa có xếp hạng chung cuộc: chưa thể xét giải tập thể.",
    "clips_not_scored": "Còn video clip chưa được chấm đủ điểm: chưa thể xét giải.",
    "clips_pending": "Còn video clip đã gửi nhưng chưa tải lên xong hoặc chưa kiểm tra xong: chưa thể xét giải video clip và giải tập thể.",
    "results_changed": "Kết quả đã thay đổi kể từ lần tính (ví dụ có thí sinh bị loại hoặc được khôi phục): vui lòng tính lại trước khi phê duyệt.",
    "clips_changed": "Video clip hoặc điểm của video clip đã thay đổi kể từ lần tính kết quả: vui lòng tính lại trước khi phê duyệt.",
    "no_clips": "Chưa có video clip nào được chấp nhận: chưa thể xét giải.",
    "headcounts_unknown": "Chưa lấy được số cán bộ, công chức, viên chức của các đơn vị: chưa thể tính tỷ lệ tham gia. Vui lòng thử lại sau.",
    "already_approved": "Kết quả giải này đã được phê duyệt nên không thể tính lại.",
    "compute_in_progress": "Kết quả giải này đang được tính bởi một yêu cầu khác. Vui lòng thử lại.",
    "earlier_round_not_approved": "Giải tuần được phê duyệt lần lượt theo thứ tự tuần thi: còn tuần thi trước chưa được phê duyệt giải.",
    "repeat_winner": "Có người đoạt giải đã nhận giải tuần khác đã được phê duyệt; vui lòng tính lại kết quả trước khi phê duyệt.",
    "not_approved": "Kết quả giải không ở trạng thái đã phê duyệt (là bản dự thảo hoặc đã bị thu hồi): chỉ cấp giấy khen "
                    "hoặc thu hồi được kết quả đã phê duyệt; bản dự thảo có thể tính lại mà không cần thu hồi.",
    "already_revoked": "Kết quả giải này đã bị thu hồi trước đó.",
    "earlier_winners_changed": "Giải tuần của tuần thi trước đã bị thu hồi sau khi tính bản dự thảo này: vui lòng tính lại kết quả trước khi phê duyệt.",
    "later_round_approved": "Giải tuần của tuần thi sau đã được phê duyệt: vui lòng thu hồi giải tuần của các tuần thi sau trước.",
}

err = errors.messages(MESSAGES)

