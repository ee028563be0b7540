"""The quiz app's reads: what a learner may do on a quiz page (start, the lock, the grade that
counts), and the statements of the quiz's two hottest requests, saving an answer and
submitting, in SQL.

The quiz page's `get_context` reads through here, so this module refers to the models through
the module (`models.Attempt`): it is imported while `quizzes.models` is still being defined.

SQL statements: with the ORM these statements cost more to build than to run: saving's read and write took
~0.5 ms of Python, and grading's reads (the attempt with its quiz's pass mark and path, the sum
of its scores, the module check) ~0.7 ms and three round trips on PostgreSQL. Here each is one
statement, built once per process from the models' own table and column names, its values
converted by the models' own fields.
"""

import json
from dataclasses import dataclass
from datetime import timedelta
from functools import cache

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from taggit.models import Tag
from wagtail.models import Page

from courses.models import CompletionRule, ModulePage
from courses.queries import course_state, module_state

from . import models

__all__ = [
    "access_refusal", "attempt_for_grading", "can_start", "claim_grade", "quiz_page_state", "question_to_answer",
    "quiz_grade", "store_answer", "attempts_at", "draw_candidates", "drawn_questions", "insert_started_attempt",
    "live_quiz",
]


# The quiz page --------------------------------------------------------------------------------

def quiz_page_state(quiz, user):
    """What the quiz page shows `user`: their attempts, the open one, the one that counts, and
    why a new attempt cannot start (None when it can)."""
    if not user.is_authenticated:
        return {"attempts": [], "start_refusal": None}
    attempts = list(models.Attempt.objects.filter(user=user, quiz_key=quiz.translation_key).order_by("number"))
    open_attempt = next((a for a in attempts if a.is_open), None)
    return {
        "attempts": attempts,
        "open_attempt": open_attempt,
        "best": quiz_grade(attempts, quiz.grading_method),
        "start_refusal": None if open_attempt else (
            access_refusal(user, quiz) or can_start(user, quiz, attempts=attempts)),
    }


def can_start(user, quiz: "models.QuizPage", *, now=None, attempts=None):
    """None if `user` may start a new attempt now, else the reason (a message)."""
    now = now or timezone.now()
    if quiz.closes_at and now >= quiz.closes_at:
        return _("This quiz is closed.")
    if attempts is None:
        attempts = list(models.Attempt.objects.filter(user=user, quiz_key=quiz.translation_key))
    if quiz.max_attempts and len(attempts) >= quiz.max_attempts:
        return _("You have used all %(count)s attempts.") % {"count": quiz.max_attempts}
    finished = [a.finished_at for a in attempts if a.finished_at]
    if quiz.wait_minutes and finished:
        ready = max(finished) + timedelta(minutes=quiz.wait_minutes)
        if now < ready:
            return _("You can try again at %(time)s.") % {
                "time": timezone.localtime(ready).strftime("%Y-%m-%d %H:%M")
            }
    return None


def access_refusal(user, quiz: "models.QuizPage", *, fresh=False):
    """None if the course lets `user` take `quiz`, else the reason. Enrolment in the course is
    always required. A module's quiz opens with its module (past its prerequisite) and, if it
    `requires_lessons_complete`, once every lesson of the module is read; the final
    exam (a quiz under the course), if it `requires_modules_complete`, once every module is
    done. Writes pass `fresh`, so a lock is never judged on an outline that is out of date."""
    # a plain Page: its class comes from the cached content type; a write reads only the fields
    # used here, the page also its breadcrumb's (get_parent keeps it on the quiz)
    parent = _parent_of(quiz) if fresh else quiz.get_parent()
    if issubclass(parent.specific_class, ModulePage):
        course, card = module_state(parent, user, fresh=fresh)
        if not card.enrolled:
            return _enrol_first(course)
        if card.locked_by is not None:
            return _("This module is locked: finish “%(module)s” first.") % {"module": card.locked_by.title}
        if quiz.requires_lessons_complete and not card.progress.complete:
            return _("The quiz opens once every lesson of this module is read: %(done)s of %(total)s so far.") % {
                "done": card.progress.done, "total": card.progress.total}
        return None
    cards, enrolled = course_state(parent, user, fresh=fresh)
    if not enrolled:
        return _enrol_first(parent)
    unfinished = next((card.page for card in cards if not card.done), None)
    if quiz.requires_modules_complete and unfinished is not None:
        return _("“%(quiz)s” opens once every module is done: finish “%(module)s” first.") % {
            "quiz": quiz.title, "module": unfinished.title}
    return None


def live_quiz(quiz_id):
    """The live quiz `quiz_id` (a `QuizPage`) or None, for a write, with its parent page as
    `access_refusal` reads it. One statement over the page, its quiz row and its parent, built
    once per process; `QuizPage.objects.live().filter(pk=…).first()` spent ~0.7 ms compiling
    it and building the same instance, a fifth of an exam start, and the parent was a second
    round trip."""
    names, parent_names, sql, converters, parent_converters = _quiz_columns()
    with connection.cursor() as cursor:
        cursor.execute(sql, [quiz_id, True])
        row = cursor.fetchone()
    if row is None:
        return None
    quiz = models.QuizPage.from_db(connection.alias, names, _converted(row[: len(names)], converters))
    quiz.parent_read_with_it = Page.from_db(connection.alias, parent_names,
                                            _converted(row[len(names):], parent_converters))
    return quiz


@cache
def _quiz_columns():
    qn = connection.ops.quote_name
    fields = models.QuizPage._meta.concrete_fields  # the page's, then the quiz's: from_db's order
    parent_names, _sql, parent_converters = _parent_columns()
    columns = ", ".join([f"{qn(field.model._meta.db_table)}.{qn(field.column)}" for field in fields]
                        + [f"parent.{qn(field.column)}" for field in _parent_fields()])
    page, quiz = qn(Page._meta.db_table), qn(models.QuizPage._meta.db_table)
    sql = (f"SELECT {columns} FROM {page} JOIN {quiz} ON {quiz}.{qn('page_ptr_id')} = {page}.{qn('id')}"
           f" JOIN {page} parent ON parent.{qn('path')} = substr({page}.{qn('path')}, 1,"
           f" length({page}.{qn('path')}) - {Page.steplen})"
           f" WHERE {page}.{qn('id')} = %s AND {page}.{qn('live')} = %s")
    return ([field.attname for field in fields], parent_names, sql, _converters(Page._meta.db_table, fields),
            parent_converters)


def _parent_of(quiz):
    """The quiz's parent with the fields the access check uses: as `live_quiz` read it, or now."""
    if (parent := getattr(quiz, "parent_read_with_it", None)) is not None:
        return parent
    names, sql, converters = _parent_columns()
    with connection.cursor() as cursor:
        cursor.execute(sql, [quiz.path[: -Page.steplen]])
        row = cursor.fetchone()
    return Page.from_db(connection.alias, names, _converted(row, converters))


@cache
def _parent_fields():
    """The fields of a quiz's parent the access check reads, in from_db's order."""
    wanted = {"id", "path", "depth", "title", "translation_key", "locale", "content_type"}
    return [field for field in Page._meta.concrete_fields if field.name in wanted]


@cache
def _parent_columns():
    fields = _parent_fields()
    qn = connection.ops.quote_name
    columns = ", ".join(qn(field.column) for field in fields)
    return ([field.attname for field in fields], f"SELECT {columns} FROM {qn(Page._meta.db_table)} WHERE path = %s",
            _converters(Page._meta.db_table, fields))


def _converted(row, converters):
    """`row`'s values as a list, converted by `converters` (from `_converters`)."""
    values = list(row)
    for index, convert in converters:
        values[index] = convert(values[index])
    return values


def _converters(table, fields):
    """(index, converter) of each of `fields` whose database value needs converting, as the ORM would."""
    converters = []
    for index, field in enumerate(fields):
        column = field.get_col(table)
        chain = connection.ops.get_db_converters(column) + field.get_db_converters(connection)
        if chain:
            converters.append((index, _chained(chain, column)))
    return converters


def _enrol_first(course):
    return _("Enrol in “%(course)s” to take this quiz.") % {"course": course.title}


def quiz_grade(attempts, method):
    """The attempt that counts for the quiz's grade, by highest or latest."""
    finished = [a for a in attempts if a.is_graded]
    if not finished:
        return None
    if method == models.GradingMethod.LATEST:
        return max(finished, key=lambda a: a.finished_at)
    return max(finished, key=lambda a: (a.percent, a.finished_at))


# SQL ------------------------------------------------------------------------------------------



def attempt_for_grading(attempt_id, *, user=None):
    """The attempt (`user`'s, if given), locked until the transaction ends, or None. Besides its
    fields it carries `pass_mark` and `quiz_path` (its quiz's), `total` (the sum of its
    question scores), `ungraded` (questions not scored yet: SQL labs until submit, essays until a grader
    scores them), `manual` (essays not scored yet) and `completes_module`
    (whether passing its quiz completes a module)."""
    sql = _sql(owned=user is not None, lock=connection.features.has_select_for_update_of)
    params = [True, CompletionRule.ASSESSMENT.value, attempt_id] + ([user.pk] if user is not None else [])
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return None
    attempt = _attempt_from(row)
    (attempt.pass_mark, attempt.quiz_path, attempt.total, attempt.ungraded, attempt.manual,
     attempt.completes_module) = row[len(models.Attempt._meta.concrete_fields):]
    return attempt


def _attempt_from(row):
    """An `Attempt` from a row starting with its concrete fields in order (`_sql`, `_attempts_sql`)."""
    names, converters = _attempt_columns()
    return models.Attempt.from_db(connection.alias, names, _converted(row[: len(names)], converters))


@cache
def _attempt_columns():
    """The attempt's field names in their columns' order, and their converters, as the ORM would
    apply them (a raw queryset re-derives them per query)."""
    fields = models.Attempt._meta.concrete_fields
    return [field.attname for field in fields], _converters(models.Attempt._meta.db_table, fields)


def _chained(chain, expression):
    def convert(value):
        for converter in chain:
            value = converter(value, expression, connection)
        return value
    return convert


@cache
def _sql(*, owned, lock):
    qn = connection.ops.quote_name
    attempts, questions, quizzes, pages, modules = (
        qn(model._meta.db_table)
        for model in (models.Attempt, models.AttemptQuestion, models.QuizPage, Page, ModulePage)
    )
    fields = ", ".join(f"a.{qn(field.column)}" for field in models.Attempt._meta.concrete_fields)
    return (
        f"SELECT {fields}, q.pass_mark, p.path AS quiz_path,"
        f" (SELECT COALESCE(SUM(x.score), 0) FROM {questions} x WHERE x.attempt_id = a.id) AS total,"
        f" (SELECT COUNT(*) FROM {questions} y WHERE y.attempt_id = a.id AND y.score IS NULL) AS ungraded,"
        f" (SELECT COUNT(*) FROM {questions} z WHERE z.attempt_id = a.id AND z.manual = %s AND z.score IS NULL)"
        f" AS manual,"
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
    fields = {name: models.AttemptQuestion._meta.get_field(name) for name in ("response", "saved_at", "score")}
    values = {"response": response, "saved_at": saved_at, "score": score}
    sql = _names("UPDATE {questions} SET response = %s, saved_at = %s, score = %s WHERE id = %s AND EXISTS"
                 " (SELECT 1 FROM {attempts} a WHERE a.id = {questions}.attempt_id AND a.status = %s"
                 + (" FOR SHARE)" if connection.features.has_select_for_update else ")"))
    params = [fields[name].get_db_prep_save(values[name], connection) for name in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, question_id, models.AttemptStatus.IN_PROGRESS.value])
        return cursor.rowcount == 1


def claim_grade(attempt_id, *, was, finished_at, finished_by, score, percent, passed):
    """Finish the attempt with its grade if its status is still `was`; whether it was written
    (False: another writer changed it first)."""
    fields = {name: models.Attempt._meta.get_field(name)
              for name in ("finished_at", "finished_by", "score", "percent", "passed")}
    values = {"finished_at": finished_at, "finished_by": finished_by, "score": score, "percent": percent,
              "passed": passed}
    sql = _names("UPDATE {attempts} SET status = %s, finished_at = %s, finished_by = %s, score = %s, percent = %s,"
                 " passed = %s WHERE id = %s AND status = %s")
    params = [fields[name].get_db_prep_save(values[name], connection) for name in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, [models.AttemptStatus.FINISHED.value, *params, attempt_id, was])
        return cursor.rowcount == 1


@cache
def _names(sql):
    qn = connection.ops.quote_name
    return sql.format(questions=qn(models.AttemptQuestion._meta.db_table), attempts=qn(models.Attempt._meta.db_table))


# Starting: the draw's reads and the attempt's inserts -------------------------------------------

def draw_candidates(quiz, user):
    """(draw id, its count, question id, whether `user` met the question in an earlier attempt
    at the quiz) for each live question of the quiz's language that each draw may take, draws
    in the quiz's order. One statement where the ORM ran one per draw plus the seen keys."""
    key = models.Attempt._meta.get_field("quiz_key").get_db_prep_value(quiz.translation_key, connection)
    with connection.cursor() as cursor:
        cursor.execute(_candidates_sql(), [user.pk, key, quiz.pk, quiz.locale_id, True])
        return cursor.fetchall()


@cache
def _candidates_sql():
    qn = connection.ops.quote_name
    draws, questions, tagged, tags = (qn(model._meta.db_table) for model in (
        models.QuizDraw, models.Question, models.QuestionTag, Tag))
    return _names(
        f"SELECT d.id, d.count, q.id, q.translation_key IN (SELECT x.question_key FROM {{questions}} x"
        f"  JOIN {{attempts}} a ON a.id = x.attempt_id WHERE a.user_id = %s AND a.quiz_key = %s)"
        f" FROM {draws} d JOIN {questions} q ON q.bank_id = d.bank_id"
        f" WHERE d.quiz_id = %s AND q.locale_id = %s AND q.live = %s AND (d.tag = '' OR EXISTS"
        f"  (SELECT 1 FROM {tagged} t JOIN {tags} g ON g.id = t.tag_id"
        f"   WHERE t.content_object_id = q.id AND g.name = d.tag))"
        f" ORDER BY d.sort_order, d.id"
    )


@dataclass
class DrawnQuestion:
    """What starting an attempt reads of a question: the fields `api.freeze` uses, and its
    answers as `QuestionAnswer.as_data` gives them."""

    id: int
    translation_key: object
    latest_revision_id: int | None
    key: str
    question_type: str
    stem: str
    explanation: str
    points: object
    units: str
    calculation: object
    lab: object
    essay: object
    answer_data: list


QUESTION_FIELDS = ("id", "translation_key", "latest_revision", "key", "question_type", "stem", "explanation",
                   "points", "units", "calculation", "lab", "essay")


def drawn_questions(ids):
    """{id: DrawnQuestion} of the questions `ids`, with their answers in order: one statement
    (each question's answers aggregated as JSON), values converted by the models' fields, no
    model instances."""
    if not ids:
        return {}
    sql, converters = _question_columns()
    found = {}
    with connection.cursor() as cursor:
        cursor.execute(sql.format(marks=", ".join(["%s"] * len(ids))), list(ids))
        for *row, answers in cursor.fetchall():
            values = _converted(row, converters)
            if isinstance(answers, str):  # SQLite's JSON is text; psycopg decodes PostgreSQL's
                answers = json.loads(answers)
            found[values[0]] = DrawnQuestion(*values, answer_data=[
                {"id": pk, "text": text, "fraction": float(fraction), "feedback": feedback, "match": match,
                 "tolerance": float(tolerance) if tolerance is not None else None}
                for _order, pk, text, fraction, feedback, match, tolerance in sorted(answers or [])])
    return found


@cache
def _question_columns():
    qn = connection.ops.quote_name
    fields = [models.Question._meta.get_field(name) for name in QUESTION_FIELDS]
    table = models.Question._meta.db_table
    # a question's type-specific settings only where its type uses them (freeze reads no
    # others): the rest come back NULL, not as JSON to decode (~60 per start)
    types = models.QuestionType
    used_by = {"calculation": types.CALCULATED, "lab": types.SQL, "essay": types.ESSAY}
    columns = ", ".join(
        f"CASE WHEN q.{qn('question_type')} = '{used_by[field.name].value}' THEN q.{qn(field.column)} END"
        if field.name in used_by else f"q.{qn(field.column)}" for field in fields)
    row = "a.sort_order, a.id, a.text, a.fraction, a.feedback, a.{match}, a.tolerance".format(match=qn("match"))
    aggregate = f"json_agg(json_build_array({row}))" if connection.vendor == "postgresql" else \
        f"json_group_array(json_array({row}))"
    answers = (f"SELECT {aggregate} FROM {qn(models.QuestionAnswer._meta.db_table)} a"
               " WHERE a.question_id = q.id")  # in any order: sorted by (sort_order, id) above
    return f"SELECT {columns}, ({answers}) FROM {qn(table)} q WHERE q.id IN ({{marks}})", _converters(table, fields)


def attempts_at(user, quiz):
    """`user`'s attempts at `quiz` in any of its languages, as model instances; the ORM spent
    ~0.3 ms building this statement, twice per start."""
    key = models.Attempt._meta.get_field("quiz_key").get_db_prep_value(quiz.translation_key, connection)
    with connection.cursor() as cursor:
        cursor.execute(_attempts_sql(), [user.pk, key])
        return [_attempt_from(row) for row in cursor.fetchall()]


@cache
def _attempts_sql():
    qn = connection.ops.quote_name
    fields = ", ".join(qn(field.column) for field in models.Attempt._meta.concrete_fields)
    return _names(f"SELECT {fields} FROM {{attempts}} WHERE user_id = %s AND quiz_key = %s")


def insert_started_attempt(attempt, rows):
    """Insert the unsaved `attempt` and its questions (`attempt_question_values` rows) unless a
    unique constraint refuses the attempt (another open attempt at the quiz, or its number taken
    by a parallel start); whether it was inserted (it then has its id). Both are written or
    neither.

    PostgreSQL takes both in one statement, the rows as one jsonb parameter: no transaction to
    begin and commit around it, and one short statement to prepare (the multi-row VALUES, 160
    parameters, was split and quoted again at every start)."""
    values = [field.get_db_prep_save(field.pre_save(attempt, True), connection) for field in _attempt_insert_fields()]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(_insert_started_sql(), [*values, json.dumps(rows, ensure_ascii=False)])
            row = cursor.fetchone()
    else:
        with transaction.atomic(savepoint=False), connection.cursor() as cursor:
            cursor.execute(_insert_attempt_sql(), values)
            if (row := cursor.fetchone()) is not None:
                _insert_attempt_questions(cursor, row[0], rows)
    if row is None:
        return False
    attempt.pk = row[0]
    attempt._state.adding, attempt._state.db = False, connection.alias
    return True


def _insert_attempt_questions(cursor, attempt_id, rows):
    """SQLite: an attempt's questions in one statement per ROWS_PER_INSERT."""
    for start in range(0, len(rows), ROWS_PER_INSERT):
        batch = rows[start:start + ROWS_PER_INSERT]
        cursor.execute(_insert_questions_sql(len(batch)), [v for row in batch for v in (attempt_id, *row)])


@cache
def _attempt_insert_fields():
    """The attempt's columns an insert gives (all but the id), in the model's order."""
    return [field for field in models.Attempt._meta.concrete_fields if not field.primary_key]


@cache
def _insert_attempt_sql():
    qn = connection.ops.quote_name
    fields = _attempt_insert_fields()
    return _names(f"INSERT INTO {{attempts}} ({', '.join(qn(field.column) for field in fields)})"
                  f" VALUES ({', '.join(['%s'] * len(fields))}) ON CONFLICT DO NOTHING RETURNING id")


@cache
def _insert_started_sql():
    """PostgreSQL: the attempt, and its questions from a JSON array of rows, in one statement
    (a data-modifying WITH: all of it or, on any error, none). jsonb, not json: each frozen
    question is parsed once, not as JSON and again as jsonb."""
    qn = connection.ops.quote_name
    columns = [models.AttemptQuestion._meta.get_field(name) for name in ATTEMPT_QUESTION_FIELDS]
    names = ", ".join(qn(field.column) for field in columns)
    typed = ", ".join(f"c{i} {field.db_type(connection)}" for i, field in enumerate(columns))
    picked = ", ".join(f"r.c{i}" for i in range(len(columns)))
    attempt_column = qn(models.AttemptQuestion._meta.get_field("attempt").column)
    return _names(f"WITH a AS ({_insert_attempt_sql()}), q AS (INSERT INTO {{questions}} ({attempt_column}, {names})"
                  f" SELECT a.id, {picked} FROM a, jsonb_to_recordset(%s::jsonb) AS r({typed})) SELECT id FROM a")


ATTEMPT_QUESTION_FIELDS = ("position", "question", "question_key", "revision", "spec", "score", "manual")
ROWS_PER_INSERT = 100  # 800 parameters, within every database's limit


def attempt_question_values(*, position, question, question_key, revision, spec, score, manual):
    """A question's row for `insert_started_attempt` (`question` and `revision` as ids),
    converted for the database: done before the write transaction, so the lock is not held
    while 20 frozen specs are encoded."""
    if connection.vendor == "postgresql":  # an object of `_insert_started_sql`'s JSON array
        return {f"c{i}": value for i, value in enumerate(
            (position, question, str(question_key), revision, spec, None if score is None else str(score), manual))}
    key_field, score_field = _converted_fields()
    # SQLite keeps JSON as text: UTF-8 rather than \uXXXX escapes makes a Chinese spec a third
    # smaller, and an exam start writes ~12 % fewer pages (the field's ORM writes stay escaped;
    # both are the same JSON)
    return [position, question, key_field.get_db_prep_save(question_key, connection), revision,
            json.dumps(spec, ensure_ascii=False), score_field.get_db_prep_save(score, connection), manual]


@cache
def _converted_fields():
    """The fields of an attempt's question whose values SQLite cannot take as they are."""
    return tuple(models.AttemptQuestion._meta.get_field(name) for name in ("question_key", "score"))


@cache
def _insert_questions_sql(count):
    qn = connection.ops.quote_name
    meta = models.AttemptQuestion._meta
    columns = ", ".join(qn(meta.get_field(name).column) for name in ("attempt", *ATTEMPT_QUESTION_FIELDS))
    row = f"({', '.join(['%s'] * (1 + len(ATTEMPT_QUESTION_FIELDS)))})"
    return _names(f"INSERT INTO {{questions}} ({columns}) VALUES {', '.join([row] * count)}")
