"""The question bank of a contest: import, deactivate, answer keys (scoring's copy)."""
import hashlib
import re

from sqlalchemy import select

from common.auth import require
from common.errors import NotFound
from services.quiz.domain.contests import load_contest
from services.quiz.domain.files import read_table
from services.quiz.errors import err
from services.quiz.models import Question
from services.quiz.schemas import nfc

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


def deactivate_question(uow, actor, question_id):
    """Take a question out of future draws. Never deleted: attempts and grading refer to it."""
    require(actor, "organizer", "expert")
    question = uow.session.get(Question, question_id) if isinstance(question_id, str) else None
    if question is None:
        raise err(NotFound, "question_not_found")
    if question.active:
        question.active = False
        uow.record(actor, "question.deactivate", f"question:{question.id}", {"active": True},
                   {"active": False, "contest": question.contest_code}, contest=question.contest_code)
    return {"id": question.id, "contest": question.contest_code, "active": False}
