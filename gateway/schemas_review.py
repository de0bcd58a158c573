"""Answers of the answer review (GET /attempts/{id}/review) and the score distribution
(GET /admin/contests/{contest}/rounds/{n}/score-distribution).

Kept apart from gateway/schemas.py; the same conventions: outputs allow the extra fields a service adds.
"""
from typing import Literal

from gateway.schemas import AttemptOut, QuestionOut, Out


class ReviewQuestionOut(QuestionOut):
    chosen: str | None  # the letter the contestant chose on this paper, None when left blank
    correct_key: str    # the letter of the right option on this paper (options are lettered per attempt)
    right: bool


class AttemptReviewOut(AttemptOut):
    contest: str
    round: int
    status: Literal["submitted", "graded"]
    right: int  # questions answered right, counted from `questions`
    questions: list[ReviewQuestionOut]


class ScoreBucketOut(Out):
    correct: int
    attempts: int
    contestants: int


class ScoreDistributionOut(Out):
    contest: str
    round: int
    graded_attempts: int
    contestants: int
    buckets: list[ScoreBucketOut]
