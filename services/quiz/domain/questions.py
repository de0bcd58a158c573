"""The question bank of a contest: import, list, edit, deactivate, answer keys (scoring's copy).

An answer key never changes under a question id: scoring keeps a copy of the keys by id (fed by
`bank_changed`, or fetched on a miss), and events of different kinds may arrive in any order (an
edit's `bank_changed` may be held during a rush while attempts are submitted at once). So a changed
answer gives the (never drawn) question a new id: no attempt can name the old id any more, and the
first attempt that names the new one finds it missing from scoring's copy, or already there with
the right key. Text and options change in place: scoring never reads them.
"""
import datetime as dt
import hashlib
import re

from sqlalchemy import select

from common.auth import require
from common.errors import Conflict, Invalid, NotFound
from common.time import utcnow
from services.quiz.domain.contests import load_contest
from services.quiz.domain.files import read_table
from services.quiz.errors import err
from services.quiz.models import Attempt, Question, Round, new_id
from services.quiz.schemas import name_key, nfc

COLUMNS = ("text", "a", "b", "c", "d", "answer", "source")
KEYS = ("A", "B", "C", "D")


def text_key(text):
    """Two question texts that differ only in spacing or case are the same question."""
    normal = re.sub(r"\s+", " ", nfc(text)).casefold()
    return hashlib.sha256(normal.encode()).hexdigest()


def _check_row(row):
    text = nfc(row["text"])
    if not text:
        return None, "Thiếu nội dung câu hỏi."
    options = {}
    for key in KEYS:
        value = nfc(row[key.lower()])
        if not value:
            return None, f"Thiếu phương án {key}."
        options[key.lower()] = value
    answer = nfc(row["answer"]).upper()
    if answer not in KEYS:
        return None, f"Đáp án «{row['answer']}» không hợp lệ: phải là A, B, C hoặc D."
    return {"text": text, "text_key": text_key(text), "answer": answer,
            "source": nfc(row["source"]) or None, **options}, None


def answer_keys(session, contest_code):
    rows = session.execute(select(Question.id, Question.answer).where(Question.contest_code == contest_code))
    return {qid: answer for qid, answer in rows}


def import_questions(uow, actor, contest_code, file, table=None):
    """Add the good rows; returns {created, errors}. New questions change the answer keys:
    bank_changed tells scoring. `table`: the file already parsed (files.parse), else parsed here."""
    require(actor, "organizer", "expert")
    session = uow.session
    load_contest(session, contest_code)
    rows = read_table(file, COLUMNS, table)
    existing = set(session.scalars(select(Question.text_key).where(Question.contest_code == contest_code)))
    before = len(existing)
    errors, created = [], 0
    for number, row in rows:
        question, message = _check_row(row)
        if message is None and question["text_key"] in existing:
            message = "Câu hỏi bị trùng (đã có trong tệp hoặc trong ngân hàng câu hỏi của hội thi)."
        if message:
            errors.append({"row": number, "message": message})
            continue
        existing.add(question["text_key"])
        session.add(Question(contest_code=contest_code, active=True, **question))
        created += 1
    if created:
        session.flush()
        keys = answer_keys(session, contest_code)
        uow.emit("bank_changed", {"contest": contest_code, "keys": keys})
        uow.record(actor, "questions.import", f"contest:{contest_code}", {"questions": before},
                   {"questions": len(keys), "created": created, "rows_refused": len(errors),
                    "file": file.get("filename")}, contest=contest_code)
    return {"created": created, "errors": errors}


def _attempt_question_ids(session, contest_code, since=None):
    """The question ids of every attempt of the contest (started at or after `since`), attempt by
    attempt (read in batches)."""
    query = select(Attempt.question_ids).where(Attempt.contest_code == contest_code)
    if since is not None:
        query = query.where(Attempt.started_at >= since)
    rows = session.execute(query.execution_options(yield_per=1000))
    for (ids,) in rows:
        yield ids or []


def used_ids(session, contest_code):
    """The ids of the contest's questions drawn in any attempt (in progress or finished)."""
    used = set()
    for ids in _attempt_question_ids(session, contest_code):
        used.update(ids)
    return used


def is_used(session, contest_code, question_id, since=None):
    return any(question_id in ids for ids in _attempt_question_ids(session, contest_code, since))


# An attempt committed after a scan began was started at most this long before it (a start is one
# short transaction; the margin also covers clocks of quiz instances a little apart).
_START_MARGIN = dt.timedelta(minutes=5)


def _refuse_if_used(session, contest_code, question_id):
    """409 question_in_use if an attempt drew the question, and none can draw it before the commit.
    Starts share-lock their round (attempts.py): locking every round of the contest waits for the
    starts in flight and holds off new ones until this commit. The whole contest is scanned before
    the lock (starts are not held up by it), then only the attempts that may have arrived since."""
    began = utcnow()
    if is_used(session, contest_code, question_id):
        raise err(Conflict, "question_in_use")
    session.scalars(select(Round.id).where(Round.contest_code == contest_code).with_for_update()).all()
    if is_used(session, contest_code, question_id, since=began - _START_MARGIN):
        raise err(Conflict, "question_in_use")


def question_out(question, used):
    return {"id": question.id, "contest": question.contest_code, "text": question.text,
            "options": [{"key": key, "text": getattr(question, key.lower())} for key in KEYS],
            "answer": question.answer, "source": question.source, "active": question.active, "used": used}


MAX_PAGE = 500


def _flag(value, name):
    if value is None or isinstance(value, bool):
        return value
    raise err(Invalid, "invalid_input", f"«{name}» phải là true hoặc false.")


def list_questions(session, actor, contest_code, q=None, active=None, used=None, limit=100, offset=0):
    """{total, items: [question_out]} of the contest's bank, oldest first; `q` matches the text,
    the options or the source, with or without diacritics and whatever the case; `active`, `used`:
    only the questions with that flag; `limit` (1–500) and `offset` page through the matches."""
    require(actor, "organizer", "expert")
    load_contest(session, contest_code)
    active, used = _flag(active, "active"), _flag(used, "used")
    if (isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_PAGE
            or isinstance(offset, bool) or not isinstance(offset, int) or offset < 0):
        raise err(Invalid, "invalid_input", f"«limit» từ 1 đến {MAX_PAGE}, «offset» không âm.")
    if q is not None and not isinstance(q, str):
        raise err(Invalid, "invalid_input", "«q» phải là chuỗi ký tự.")
    query = select(Question).where(Question.contest_code == contest_code)
    if active is not None:
        query = query.where(Question.active.is_(active))
    questions = session.scalars(query.order_by(Question.created_at, Question.id)).all()
    needle = name_key(q or "")
    if needle:
        questions = [x for x in questions
                     if needle in name_key(" ".join([x.text, x.a, x.b, x.c, x.d, x.source or ""]))]
    drawn = used_ids(session, contest_code)
    if used is not None:
        questions = [x for x in questions if (x.id in drawn) == used]
    page = questions[offset:offset + limit]
    return {"total": len(questions), "items": [question_out(x, x.id in drawn) for x in page]}


def _load_question(session, contest_code, question_id):
    question = session.get(Question, question_id) if isinstance(question_id, str) else None
    if question is None or (contest_code is not None and question.contest_code != contest_code):
        raise err(NotFound, "question_not_found")
    return question


def _check_edit(data):
    """The wanted content {text?, a?..d?, answer?} of a PATCH body; 422 `invalid_question`."""
    content = {}
    if "text" in data and data["text"] is not None:
        text = nfc(data["text"]) if isinstance(data["text"], str) else ""
        if not text or len(text) > 2000:
            raise err(Invalid, "invalid_question", "Nội dung câu hỏi không được để trống (tối đa 2000 ký tự).")
        content["text"] = text
    if "options" in data and data["options"] is not None:
        options = data["options"]
        keys = [o.get("key") if isinstance(o, dict) else None for o in options] if isinstance(options, list) else []
        if sorted(str(k).upper() for k in keys) != list(KEYS):
            raise err(Invalid, "invalid_question", "Cần đúng bốn phương án A, B, C, D.")
        for option in options:
            value = nfc(option.get("text")) if isinstance(option.get("text"), str) else ""
            if not value or len(value) > 1000:
                raise err(Invalid, "invalid_question",
                          f"Phương án {str(option['key']).upper()} không được để trống (tối đa 1000 ký tự).")
            content[str(option["key"]).lower()] = value
    if "answer" in data and data["answer"] is not None:
        answer = data["answer"].strip().upper() if isinstance(data["answer"], str) else ""
        if answer not in KEYS:
            raise err(Invalid, "invalid_question", "Đáp án phải là A, B, C hoặc D.")
        content["answer"] = answer
    return content


def _reason(data):
    reason = data.get("reason")
    if reason is None:
        return None
    if not isinstance(reason, str) or len(reason) > 500:
        raise err(Invalid, "invalid_input", "Lý do tối đa 500 ký tự.")
    return nfc(reason) or None


def _snapshot(question, fields):
    return {f: getattr(question, f) for f in fields}


def update_question(uow, actor, contest_code, question_id, data):
    """PATCH a question: `active` (any question, SPEC 6: a used question is deactivated, never
    edited), `text`, `options`, `answer` (only a question no attempt has drawn: 409
    `question_in_use`), `reason`. Audited as question.update (before, after, reason); a changed
    answer gives the question a new id (module docstring) and tells scoring (bank_changed)."""
    require(actor, "organizer", "expert")
    session = uow.session
    if not isinstance(data, dict):
        raise err(Invalid, "invalid_input")
    if contest_code is not None:
        load_contest(session, contest_code)
    active = data.get("active")
    if active is not None and not isinstance(active, bool):
        raise err(Invalid, "invalid_input", "«active» phải là true hoặc false.")
    content = _check_edit(data)
    reason = _reason(data)
    question = _load_question(session, contest_code, question_id)
    contest_code = question.contest_code
    content = {k: v for k, v in content.items() if getattr(question, k) != v}
    if content:
        _refuse_if_used(session, contest_code, question.id)
        if "text" in content:
            key = text_key(content["text"])
            clash = session.scalar(select(Question.id).where(
                Question.contest_code == contest_code, Question.text_key == key, Question.id != question.id))
            if clash is not None:
                raise err(Conflict, "question_exists")
            content["text_key"] = key
    changes = dict(content)
    if active is not None and active != question.active:
        changes["active"] = active
    if not changes:
        return question_out(question, is_used(session, contest_code, question.id))
    fields = [f for f in ("text", "a", "b", "c", "d", "answer", "active") if f in changes]
    before = _snapshot(question, fields)
    old_id = question.id
    for field, value in changes.items():
        setattr(question, field, value)
    if "answer" in changes:
        question.id = new_id()
    session.flush()
    after = _snapshot(question, fields)
    if question.id != old_id:
        before["id"], after["id"] = old_id, question.id
    after["contest"] = contest_code
    uow.record(actor, "question.update", f"question:{old_id}", before, after, reason, contest=contest_code)
    if "answer" in changes:
        uow.emit("bank_changed", {"contest": contest_code, "keys": answer_keys(session, contest_code)})
    return question_out(question, False if content else is_used(session, contest_code, question.id))


def deactivate_question(uow, actor, question_id, reason=None):
    """Take a question out of future draws. Never deleted: attempts and grading refer to it."""
    return update_question(uow, actor, None, question_id, {"active": False, "reason": reason})
