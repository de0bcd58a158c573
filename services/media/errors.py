"""Error codes of the media service with their Vietnamese messages.

Domain code raises `err(Class, code)` so that one code always carries the same message; `detail`
overrides it where the message names a number (a limit, a criterion).
"""
from common import errors
from common.errors import Conflict, Forbidden, Invalid, NotFound, TooLarge, UpstreamUnavailable  # noqa: F401

MESSAGES = {
    # upload form
    "invalid_input": "Dữ liệu gửi lên không hợp lệ.",
    "invalid_title": "Cần nhập tên video clip (tối đa 300 ký tự).",
    "invalid_filename": "Tên tệp không hợp lệ (1–255 ký tự).",
    "invalid_content_type": "Định dạng tệp không được hỗ trợ: chỉ nhận video MP4, MOV, MKV, AVI hoặc WebM.",
    "invalid_size": "Dung lượng tệp không hợp lệ (phải là số byte lớn hơn 0).",
    "clip_too_large": "Tệp video quá lớn.",
    "unknown_unit": "Không tìm thấy đơn vị với mã đã nhập.",
    "invalid_contest": "Mã hội thi không hợp lệ: chỉ gồm chữ thường, chữ số và dấu gạch ngang (2–40 ký tự).",
    "contest_not_found": "Không tìm thấy hội thi.",
    "invalid_parts": "Danh sách phần tệp đã tải lên không hợp lệ (cần part_number từ 1 và etag của từng phần, không trùng nhau).",
    "upload_incomplete": "Kho lưu trữ không ghép được tệp từ các phần đã gửi (thiếu phần, sai etag hoặc phần quá nhỏ). Vui lòng tải lại các phần còn thiếu rồi hoàn tất lại.",
    # judging
    "invalid_scores": "Điểm chấm không hợp lệ.",
    "own_unit": "Giám khảo không được chấm video clip của đơn vị mình.",
    "not_on_jury": "Bạn không có tên trong Ban Giám khảo của hội thi này nên không được chấm video clip của hội thi.",
    "clip_not_accepted": "Video clip chưa được chấp nhận (đang tải lên, đang kiểm tra hoặc đã bị từ chối).",
    "scores_locked": "Kết quả giải video clip đã được phê duyệt nên điểm chấm đã khóa, không thể chấm hoặc sửa điểm nữa.",
    "rubric_locked": "Đã có giám khảo chấm điểm nên không thể thay đổi thang điểm của hội thi này.",
    "invalid_rubric": "Thang điểm không hợp lệ: cần điểm tối đa (số dương) cho các tiêu chí content, message, creativity, technique.",
    # lookups and state
    "clip_not_found": "Không tìm thấy video clip.",
    "clip_not_uploading": "Video clip không còn ở trạng thái đang tải lên (đã gửi đi kiểm tra hoặc đã có kết quả): không thể tải lại hay xoá.",
    "upload_abandoned": "Phiên tải lên đã quá hạn và bị hủy. Vui lòng tạo lượt tải lên mới.",
}

err = errors.messages(MESSAGES)
