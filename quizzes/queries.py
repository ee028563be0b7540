"""The statements of the quiz's two hottest requests, saving an answer and submitting, in SQL.

With the ORM these statements cost more to build than to run: saving's read and write took
~0.5 ms of Python, and grading's reads (the attempt with its quiz's pass mark and path, the sum
of its scores, the module check) ~0.7 ms and three round trips on PostgreSQL. Here each is one
statement, built once per process from the models' own table and column names, its values
converted by the models' own fields.
"""

import json
from functools import cache

from django.db import connection
from wagtail.models import Page

from courses.models import CompletionRule, ModulePage

from .models import Attempt, AttemptQuestion, AttemptStatus, QuizPage

__all__ = ["attempt_for_grading", "question_to_answer", "store_answer"]


def attempt_for_grading(attempt_id, *, user=None):
    """The attempt (`user`'s, if given), locked until the transaction ends, or None. Besides its
    fields it carries `pass_mark` and `quiz_path` (its quiz's), `total` (the sum of its
    question scores) and `completes_module` (whether passing its quiz completes a module)."""
    sql = _sql(owned=user is not None, lock=connection.features.has_select_for_update_of)
    params = [CompletionRule.ASSESSMENT.value, attempt_id] + ([user.pk] if user is not None else [])
    return next(iter(Attempt.objects.raw(sql, params)), None)


@cache
def _sql(*, owned, lock):
    qn = connection.ops.quote_name
    attempts, questions, quizzes, pages, modules = (
        qn(model._meta.db_table) for model in (Attempt, AttemptQuestion, QuizPage, Page, ModulePage)
    )
    fields = ", ".join(f"a.{qn(field.column)}" for field in Attempt._meta.concrete_fields)
    return (
        f"SELECT {fields}, q.pass_mark, p.path AS quiz_path,"
        f" (SELECT COALESCE(SUM(x.score), 0) FROM {questions} x WHERE x.attempt_id = a.id) AS total,"
        f" EXISTS (SELECT 1 FROM {modules} m JOIN {pages} mp ON mp.id = m.page_ptr_id"
        f"  WHERE mp.path = SUBSTR(p.path, 1, LENGTH(p.path) - {ModulePage.steplen})"
        f"  AND m.completion_rule = %s) AS completes_module"
        f" FROM {attempts} a JOIN {quizzes} q ON q.page_ptr_id = a.quiz_id JOIN {pages} p ON p.id = q.page_ptr_id"
        f" WHERE a.id = %s" + (" AND a.user_id = %s" if owned else "") + (" FOR UPDATE OF a" if lock else "")
    )


def question_to_answer(user, attempt_id, position, *, deadline_before):
    """(id, spec, attempt status, whether the attempt's deadline is before `deadline_before`)
    of question `position` of `user`'s attempt, or None."""
    with connection.cursor() as cursor:
        cursor.execute(_names("SELECT x.id, x.spec, a.status, a.deadline IS NOT NULL AND a.deadline < %s"
                              " FROM {questions} x JOIN {attempts} a ON a.id = x.attempt_id"
                              " WHERE x.attempt_id = %s AND a.user_id = %s AND x.position = %s"),
                       [connection.ops.adapt_datetimefield_value(deadline_before), attempt_id, user.pk, position])
        row = cursor.fetchone()
    if row is None:
        return None
    pk, spec, status, late = row
    return pk, json.loads(spec) if isinstance(spec, str) else spec, status, bool(late)


def store_answer(question_id, *, response, saved_at, score):
    """Write the answer if its attempt is still open; whether it was written. On PostgreSQL the
    attempt row is read FOR SHARE, so a save waits for a submit holding it and then sees it
    closed: no answer lands after its attempt was graded."""
    fields = {name: AttemptQuestion._meta.get_field(name) for name in ("response", "saved_at", "score")}
    values = {"response": response, "saved_at": saved_at, "score": score}
    sql = _names("UPDATE {questions} SET response = %s, saved_at = %s, score = %s WHERE id = %s AND EXISTS"
                 " (SELECT 1 FROM {attempts} a WHERE a.id = {questions}.attempt_id AND a.status = %s"
                 + (" FOR SHARE)" if connection.features.has_select_for_update else ")"))
    params = [fields[name].get_db_prep_save(values[name], connection) for name in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, question_id, AttemptStatus.IN_PROGRESS.value])
        return cursor.rowcount == 1


@cache
def _names(sql):
    qn = connection.ops.quote_name
    return sql.format(questions=qn(AttemptQuestion._meta.db_table), attempts=qn(Attempt._meta.db_table))
