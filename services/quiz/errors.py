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
    "invalid_file_row": "Tệp CSV bị lỗi định dạng ở dòng {row} (dấu ngoặc kép không đóng hoặc ký tự lạ).",
    "file_too_large": "Tệp quá lớn: tối đa {max} KiB.",
    "unpacked_too_large": "Bảng tính XLSX quá lớn khi giải nén: tối đa {max} KiB.",
    "too_many_rows": "Dòng {row}: tệp có quá nhiều dòng (tối đa {max} dòng, kể cả dòng tiêu đề).",
    "too_many_columns": "Dòng {row}: có dữ liệu ngoài {max} cột đầu tiên.",
    "cell_too_long": "Dòng {row}: có ô dài quá {max} ký tự.",
    "invalid_contest_code": "Mã hội thi chỉ gồm chữ thường, chữ số và dấu gạch ngang (2–40 ký tự).",
    "invalid_rounds": "Danh sách tuần thi không hợp lệ.",
    "invalid_settings": "Cấu hình hội thi không hợp lệ.",
    "invalid_answers": "Câu trả lời không hợp lệ: chỉ nhận câu hỏi của lượt thi này và đáp án A, B, C hoặc D.",
    "invalid_prediction": "Số dự đoán phải là số nguyên không âm.",
    "roster_too_large": "Danh sách vượt quá giới hạn {max} người cho một đơn vị.",
    "invalid_roster": "Danh sách cán bộ không có dòng hợp lệ nào; danh sách cũ được giữ nguyên. {rows}",
    "invalid_jury": "Cần danh sách tên đăng nhập của giám khảo (từ 1 đến {max} tên).",
    "confirm_required": ("Việc chấm video clip của hội thi đã bắt đầu. Nếu thay đổi Ban Giám khảo, điểm của giám khảo "
                         "bị bớt sẽ không còn được tính và điểm cuối cùng của các video clip phải chờ giám khảo được "
                         "thêm chấm xong. Gửi lại với confirm: true để xác nhận thay đổi."),
    "invalid_question": "Câu hỏi không hợp lệ.",
    "unit_required": "Tài khoản giám khảo phải có đơn vị (unit_code): giám khảo không được chấm video clip của đơn vị mình.",
    "not_a_judge": "Không phải tài khoản giám khảo: {names}. Chỉ tài khoản có vai trò giám khảo (judge) được vào Ban Giám khảo.",
    "reason_required": "Cần ghi lý do.",
    # who
    "invalid_credentials": "Tên đăng nhập hoặc mật khẩu không đúng.",
    "too_many_attempts": "Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau ít phút.",
    "excluded": "Thành viên Ban Tổ chức, Ban Giám khảo, Tổ Chuyên viên và bộ phận giúp việc không được tham gia dự thi.",
    "not_your_attempt": "Bạn không có quyền xem lượt thi này.",
    "not_on_roster": "Số CCCD này không có trong danh sách cán bộ mà đơn vị đã đăng ký với Ban Tổ chức. Vui lòng liên hệ đơn vị của bạn.",
    "no_roster": "Hội thi {contests} chỉ nhận đăng ký theo danh sách cán bộ của đơn vị, và đơn vị này chưa gửi danh sách. Vui lòng liên hệ đơn vị của bạn.",
    "too_many_registrations": "Có quá nhiều lượt đăng ký từ cùng một địa chỉ mạng. Vui lòng thử lại sau.",
    "contestants_only": "Chỉ thí sinh mới được dự thi.",
    "disqualified": "Bạn đã bị Ban Tổ chức loại khỏi hội thi này nên không thể bắt đầu lượt thi mới.",
    "account_inactive": "Tài khoản này đã bị khóa. Vui lòng liên hệ Ban Tổ chức.",
    "wrong_password": "Mật khẩu hiện tại không đúng.",
    "same_password": "Mật khẩu mới phải khác mật khẩu hiện tại.",
    "own_account": "Không thể tự khóa hoặc tự bỏ vai trò Ban Tổ chức của chính tài khoản đang đăng nhập.",
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
    "review_not_available": "Đáp án và phần xem lại bài thi chỉ có sau khi tuần thi kết thúc.",
    "review_after_contest": "Đáp án và phần xem lại bài thi chỉ có sau khi tuần thi cuối cùng của hội thi kết thúc.",
    "review_off": "Hội thi này không công bố đáp án và phần xem lại bài thi.",
    "already_disqualified": "Thí sinh này đã bị loại khỏi hội thi.",
    "award_set_approved": ("Kết quả giải thưởng đã phê duyệt của hội thi sẽ thay đổi ({sets}): cần thu hồi kết quả "
                           "đó (kèm lý do) trước khi loại hoặc khôi phục thí sinh."),
    "question_in_use": ("Câu hỏi đã có trong đề của thí sinh nên không sửa được nội dung, phương án hay đáp án. "
                        "Hãy ngừng sử dụng câu hỏi này và nhập một câu hỏi mới."),
    "question_exists": "Ngân hàng câu hỏi của hội thi đã có một câu hỏi với nội dung này.",
    "staff_member": ("Số CCCD này là của một tài khoản Ban Tổ chức, Ban Giám khảo, Tổ Chuyên viên hoặc giám sát: "
                     "người này tự động không được dự thi, không thể bỏ khỏi danh sách."),
    "bank_too_small": "Ngân hàng câu hỏi của hội thi chưa đủ câu hỏi cho một lượt thi.",
    # not found
    "unit_not_found": "Không tìm thấy đơn vị.",
    "user_not_found": "Không tìm thấy tài khoản.",
    "contest_not_found": "Không tìm thấy hội thi.",
    "round_not_found": "Không tìm thấy tuần thi.",
    "attempt_not_found": "Không tìm thấy lượt thi.",
    "question_not_found": "Không tìm thấy câu hỏi.",
    "contestant_not_found": "Không tìm thấy thí sinh.",
    "not_disqualified": "Thí sinh này không bị loại khỏi hội thi.",
    "exclusion_not_found": "Số CCCD này không có trong danh sách người không được dự thi của hội thi.",
}


err = errors.messages(MESSAGES)


def message(code, **values):
    """The message of `code` with its {placeholders} filled in."""
    return MESSAGES[code].format(**values)
