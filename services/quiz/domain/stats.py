"""Question difficulty: for each question asked in a round, how many submitted attempts answered it
right. The quiz service owns the attempts' answers and the keys, so it answers this itself."""
from collections import Counter

from sqlalchemy import select

from common.auth import require
from services.quiz.domain.contests import load_contest, load_round
from services.quiz.models import Attempt, Question

# Only finished attempts count: an attempt in progress may still change its answers.
FINISHED = ("submitted", "graded")


def question_stats(session, actor, contest_code, n):
    """[{question_id, text, asked, correct, share}] of the round, hardest (lowest share) first.

    `asked` counts the finished attempts whose paper held the question; unanswered counts as wrong
    (SPEC 3). Attempts are read in batches so a week of 25,000 entries stays small in memory.
    """
    require(actor, "organizer", "expert", "monitor")
    load_contest(session, contest_code)
    load_round(session, contest_code, n)
    keys = dict(session.execute(
        select(Question.id, Question.answer).where(Question.contest_code == contest_code)).all())
    asked, correct = Counter(), Counter()
    rows = session.execute(
        select(Attempt.question_ids, Attempt.answers)
        .where(Attempt.contest_code == contest_code, Attempt.round_n == n, Attempt.status.in_(FINISHED))
        .execution_options(yield_per=1000))
    for question_ids, answers in rows:
        answers = answers or {}
        for qid in question_ids or []:
            asked[qid] += 1
            if qid in keys and answers.get(qid) == keys[qid]:
                correct[qid] += 1
    texts = dict(session.execute(select(Question.id, Question.text).where(Question.id.in_(list(asked)))).all())
    out = [{"question_id": qid, "text": texts.get(qid, ""), "asked": asked[qid], "correct": correct[qid],
            "share": correct[qid] / asked[qid]} for qid in asked]
    out.sort(key=lambda row: (row["share"], -row["asked"], row["question_id"]))
    return out
