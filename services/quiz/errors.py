"""Error codes of the quiz service with their Vietnamese messages.

Domain code raises `err(Class, code)` (Class from common.errors) so that one code always carries
the same message; `detail` replaces it where the message names a value (`message(code, **values)`).
"""
from common import errors

MESSAGES = {
    # input
    "invalid_input": "Dữ liệu không hợp lệ.",
    "invalid_id_number": "Số CCCD phải gồm đúng 12 chữ số.",
    "invalid_phone": "Số điện thoại di động không hợp lệ (10 chữ số, bắt đầu bằng 03, 05, 07, 08 hoặc 09).",
    "invalid_password": "Mật khẩu phải có ít nhất 6 ký tự.",
    "invalid_role": "Vai trò không hợp lệ (organizer, expert, judge, monitor).",
    "unknown_unit": "Đơn vị không tồn tại.",
    "invalid_file": "Tệp không đọc được: chỉ nhận CSV (UTF-8) hoặc bảng tính XLSX.",
    "empty_file": "Tệp không có dữ liệu.",
    "invalid_header": "Dòng tiêu đề không đúng: cần các cột {columns}.",
    "invalid_contest_code": "Mã hội thi chỉ gồm chữ thường, chữ số và dấu gạch ngang (2–40 ký tự).",
    "invalid_rounds": "Danh sách tuần thi không hợp lệ.",
    "invalid_settings": "Cấu hình hội thi không hợp lệ.",
    "invalid_answers": "Câu trả lời không hợp lệ: chỉ nhận câu hỏi của lượt thi này và đáp án A, B, C hoặc D.",
    "invalid_prediction": "Số dự đoán phải là số nguyên không âm.",
    "invalid_jury": "Cần danh sách tên đăng nhập của giám khảo (từ 1 đến {max} tên).",
    "not_a_judge": "Không phải tài khoản giám khảo: {names}. Chỉ tài khoản có vai trò giám khảo (judge) được vào Ban Giám khảo.",
    # who
    "invalid_credentials": "Tên đăng nhập hoặc mật khẩu không đúng.",
    "too_many_attempts": "Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau ít phút.",
    "excluded": "Thành viên Ban Tổ chức, Ban Giám khảo, Tổ Chuyên viên và bộ phận giúp việc không được tham gia dự thi.",
    "not_your_attempt": "Bạn không có quyền xem lượt thi này.",
    "contestants_only": "Chỉ thí sinh mới được dự thi.",
    # state
    "already_registered": "Số CCCD hoặc số điện thoại này đã được đăng ký.",
    "username_taken": "Tên đăng nhập đã được sử dụng.",
    "contest_exists": "Mã hội thi đã tồn tại.",
    "round_not_open": "Tuần thi chưa mở hoặc đã kết thúc.",
    "locked": "Không thể thay đổi «{field}»: {why}",
    "attempt_limit": "Bạn đã dùng hết số lượt thi của tuần này.",
    "attempt_in_progress": "Bạn đang có một lượt thi chưa nộp bài.",
    "attempt_not_in_progress": "Lượt thi này đã nộp bài.",
    "deadline_passed": "Đã hết thời gian làm bài: hệ thống đã nộp các câu trả lời được lưu trước khi hết giờ.",
    "bank_too_small": "Ngân hàng câu hỏi của hội thi chưa đủ câu hỏi cho một lượt thi.",
    # not found
    "user_not_found": "Không tìm thấy tài khoản.",
    "contest_not_found": "Không tìm thấy hội thi.",
    "round_not_found": "Không tìm thấy tuần thi.",
    "attempt_not_found": "Không tìm thấy lượt thi.",
    "question_not_found": "Không tìm thấy câu hỏi.",
}


err = errors.messages(MESSAGES)


def message(code, **values):
    """The message of `code` with its {placeholders} filled in."""
    return MESSAGES[code].format(**values)
