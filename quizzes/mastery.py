"""Mastery of a skill, from graded answers.

The rule, as the trainee's page says it: *your mastery of a skill is the share of points you
earned on the questions that test it, where an answer counts half as much as one graded 90 days
after it and hard questions count more than easy ones; below 3 answers there is not enough
evidence to say.* Levels: 1 from 40 %, 2 from 65 %, 3 from 85 %.

The evidence is each graded answer, for each skill of its question (an essay's rubric criteria
count for their own skills with their own share): the fraction of its points earned, its
question's difficulty weight and when it was graded (`evidence_of`, read from the attempts, not
stored). Mastery keeps running sums: each answer's fraction × weight × `decay(graded_at)` and
its weight × decay, where decay doubles every HALF_LIFE after a fixed epoch — in their ratio the
epoch cancels, so that is the rule above — and a graded attempt adds to them in the grading
transaction (`record_attempt`, called by `api.record_grade`): at submit in a single upsert
straight from the attempt's questions (the quiz bench's submit, docs/performance.md). A regrade
recomputes the person's sums from their attempts; `rebuild` replays every graded attempt, so
the three agree (tests/quizzes/test_mastery.py).
"""

from collections import defaultdict
from datetime import UTC, datetime, timedelta
from functools import cache

from django.db import connection, transaction
from django.utils import timezone

from content.models import Skill

from .models import Attempt, AttemptQuestion, AttemptStatus, SkillMastery

HALF_LIFE = timedelta(days=90)
EPOCH = datetime(2020, 1, 1, tzinfo=UTC)  # 2 ** (years since / 0.25) stays far below float's range
DIFFICULTY_WEIGHT = {"easy": 0.75, "medium": 1.0, "hard": 1.5}
LEVEL_FROM = ((3, 0.85), (2, 0.65), (1, 0.40))
MIN_EVIDENCE = 3


def level_of(value, evidence):
    """0–3, or None when there is not enough evidence to say."""
    if evidence < MIN_EVIDENCE:
        return None
    return next((level for level, least in LEVEL_FROM if value >= least), 0)


def decay(at):
    """An answer's age weight: doubles every HALF_LIFE after EPOCH."""
    return 2.0 ** ((at - EPOCH) / HALF_LIFE)


def sums_of(rows):
    """(Σ fraction × weight × decay, Σ weight × decay) of evidence `rows` ((fraction, weight, graded_at))."""
    score = weight_sum = 0.0
    for fraction, weight, at in rows:
        weight *= decay(at)
        score += fraction * weight
        weight_sum += weight
    return score, weight_sum


def value_of(rows):
    """The weighted mean fraction of evidence `rows` ((fraction, weight, graded_at)): an answer
    counts half as much as one graded HALF_LIFE after it."""
    score, weight_sum = sums_of(rows)
    return score / weight_sum if weight_sum else 0.0


def evidence_of(attempt_ids):
    """Evidence rows (user_id, skill_id, attempt_id, fraction, weight, graded_at) of graded
    attempts: each scored question for each of its question's skills, and each essay criterion
    with skills for those skills."""
    questions, skills = {}, defaultdict(list)
    for row in (AttemptQuestion.objects.filter(attempt_id__in=attempt_ids, score__isnull=False)
                .values("pk", "attempt_id", "attempt__user_id", "attempt__finished_at", "question__difficulty",
                        "score", "spec__points", "marking", "marked_at", "manual", "spec__essay",
                        "question__skills")
                .order_by("attempt_id", "position", "question__skills")):  # a row per question and skill
        questions.setdefault(row["pk"], row)
        if row["question__skills"] is not None:
            skills[row["pk"]].append(row["question__skills"])
    questions = list(questions.values())
    criteria_slugs = {slug for q in questions if q["manual"] for c in _rubric(q) for slug in c.get("skills", [])}
    by_slug = dict(Skill.objects.filter(slug__in=criteria_slugs).values_list("slug", "pk")) if criteria_slugs else {}
    rows = []
    for q in questions:
        points = float(q["spec__points"] or 0)
        if not points:
            continue
        weight = DIFFICULTY_WEIGHT.get(q["question__difficulty"], 1.0)
        at = q["marked_at"] or q["attempt__finished_at"]
        user_id, attempt_id = q["attempt__user_id"], q["attempt_id"]
        fraction = min(1.0, float(q["score"]) / points)
        rows.extend((user_id, skill_id, attempt_id, fraction, weight, at) for skill_id in skills[q["pk"]])
        for criterion, fraction in _criteria(q):
            rows.extend((user_id, by_slug[slug], attempt_id, fraction, weight, at)
                        for slug in criterion.get("skills", []) if slug in by_slug)
    return rows


def _rubric(question):
    return (question["spec__essay"] or {}).get("rubric", [])


def _criteria(question):
    """(criterion, the share of its points earned) of a rubric-graded essay."""
    levels = (question["marking"] or {}).get("levels", {})
    for criterion in _rubric(question):
        points = [level["points"] for level in criterion["levels"]]
        chosen = levels.get(criterion["key"])
        if chosen is None or max(points) == min(points):
            continue
        yield criterion, (points[chosen] - min(points)) / (max(points) - min(points))


def record_attempt(attempt, *, regrade=False, at_submit=False):
    """Add a just-graded attempt to its owner's mastery; a regrade recomputes the person's
    mastery from their graded attempts. Runs inside the grading transaction. `at_submit`: graded
    automatically as it was submitted, so nobody has marked any of its answers and every
    answer's graded_at is the attempt's finished_at."""
    if regrade:
        recompute(attempt.user_id)
    elif at_submit:
        with connection.cursor() as cursor:
            cursor.execute(_submit_sql(), [attempt.user_id] + [decay(attempt.finished_at)] * 2
                           + [timezone.now(), attempt.pk])
    else:
        _add_attempt(attempt.user_id, attempt.pk)


def _add_attempt(user_id, attempt_id):
    """Add a graded attempt's evidence to its owner's mastery (the general path: essays marked
    by a grader, and `rebuild`)."""
    rows = evidence_of([attempt_id])
    if rows:
        _add_to_mastery(user_id, rows)


# The statement below is the grading transaction's hot path, in SQL that SQLite (3.24+) and
# PostgreSQL both take (docs/decisions.md, "Mastery"): the ORM would build a model per row and
# read the person's mastery before writing it. It computes what evidence_of and sums_of do —
# tests/quizzes/test_mastery.py holds it to the same numbers.

def _level_sql(value, count):
    """LEVEL_FROM and MIN_EVIDENCE as an SQL CASE over the expressions `value` and `count`."""
    return " ".join([f"CASE WHEN {count} < {MIN_EVIDENCE} THEN 0",
                     *(f"WHEN {value} >= {least!r} THEN {level}" for level, least in LEVEL_FROM), "ELSE 0 END"])


def _upsert_sql(table):
    """ON CONFLICT clause adding a new row's sums (`excluded`) to the existing row's."""
    value = f"(({table}.score_sum + excluded.score_sum) / ({table}.weight_sum + excluded.weight_sum))"
    count = f"({table}.evidence + excluded.evidence)"
    return (f" ON CONFLICT (user_id, skill_id) DO UPDATE SET previous = {table}.value, value = {value},"
            f" level = {_level_sql(value, count)}, evidence = {count},"
            f" score_sum = {table}.score_sum + excluded.score_sum,"
            f" weight_sum = {table}.weight_sum + excluded.weight_sum, updated_at = excluded.updated_at")


@cache
def _submit_sql():
    """One upsert of an attempt's scored questions, per skill of their questions, into its
    owner's mastery — params user id, decay(graded_at) twice, now, attempt id. An attempt whose
    questions have no skills inserts nothing."""
    qn = connection.ops.quote_name
    mastery, answers, questions = (qn(model._meta.db_table) for model in (
        SkillMastery, AttemptQuestion, AttemptQuestion.question.field.related_model))
    skills = qn(AttemptQuestion.question.field.related_model.skills.through._meta.db_table)
    if connection.vendor == "postgresql":
        points, least = "(aq.spec ->> 'points')::float", "LEAST"
    else:
        points, least = "json_extract(aq.spec, '$.points')", "MIN"
    weight = " ".join(["CASE q.difficulty", *(f"WHEN '{name}' THEN {w!r}" for name, w in DIFFICULTY_WEIGHT.items()),
                       "ELSE 1.0 END"])
    evidence = (f"SELECT s.skill_id, {least}(1.0, CAST(aq.score AS REAL) / {points}) AS fraction, {weight} AS weight"
                f" FROM {answers} aq JOIN {questions} q ON q.id = aq.question_id"
                f" JOIN {skills} s ON s.question_id = q.id"
                f" WHERE aq.attempt_id = %s AND aq.score IS NOT NULL AND {points} > 0")
    value, count = "(SUM(fraction * weight) / SUM(weight))", "COUNT(*)"
    return (f"INSERT INTO {mastery} (user_id, skill_id, score_sum, weight_sum, evidence, value, level, updated_at)"
            f" SELECT %s, skill_id, SUM(fraction * weight) * %s, SUM(weight) * %s, {count}, {value},"
            f" {_level_sql(value, count)}, %s FROM ({evidence}) e WHERE TRUE GROUP BY skill_id"
            + _upsert_sql(mastery))


def _add_to_mastery(user_id, rows):
    """Add evidence `rows` of one person to their mastery in one upsert: new skills get a row,
    known ones add to their sums, and value, level, evidence count and trend follow."""
    adds = defaultdict(list)
    for _user, skill_id, _attempt, fraction, weight, at in rows:
        adds[skill_id].append((fraction, weight, at))
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    params = []
    for skill_id, evidence in adds.items():
        score, weight_sum = sums_of(evidence)
        value = score / weight_sum
        params += [user_id, skill_id, score, weight_sum, len(evidence), value, level_of(value, len(evidence)) or 0, now]
    table = connection.ops.quote_name(SkillMastery._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (user_id, skill_id, score_sum, weight_sum, evidence, value, level, updated_at) "
            f"VALUES {', '.join(['(%s, %s, %s, %s, %s, %s, %s, %s)'] * len(adds))}" + _upsert_sql(table), params)


def evidence_of_person(user_id):
    """Evidence rows (as `evidence_of`) of all of `user_id`'s graded attempts."""
    return evidence_of(Attempt.objects.filter(user_id=user_id, status=AttemptStatus.FINISHED).values("pk"))


def recompute(user_id, *, now=None):
    """Write `user_id`'s mastery from all their graded attempts (a regrade's path). A skill left
    without evidence keeps its row, emptied, so that HR's summary sees the change
    (hr.skill_summary)."""
    now = now or timezone.now()
    evidence = defaultdict(list)
    for _user, skill_id, _attempt, fraction, weight, at in sorted(
            evidence_of_person(user_id), key=lambda row: (row[5], row[2])):
        evidence[skill_id].append((fraction, weight, at))
    existing = {m.skill_id: m for m in SkillMastery.objects.filter(user_id=user_id)}
    changed, created = [], []
    for skill_id in existing.keys() | evidence.keys():
        rows = evidence.get(skill_id, [])
        current = existing.get(skill_id)
        score, weight_sum = sums_of(rows)
        value = score / weight_sum if weight_sum else 0.0
        level = level_of(value, len(rows)) or 0
        if current is None:
            created.append(SkillMastery(user_id=user_id, skill_id=skill_id, value=value, level=level,
                                        evidence=len(rows), score_sum=score, weight_sum=weight_sum,
                                        previous=None, updated_at=now))
        elif (current.value, current.evidence, current.score_sum, current.weight_sum) != (
                value, len(rows), score, weight_sum):  # the same value from aged sums still saves them
            if (current.value, current.evidence) != (value, len(rows)):
                current.previous, current.value, current.level = current.value, value, level
                current.evidence, current.updated_at = len(rows), now
            current.score_sum, current.weight_sum = score, weight_sum
            changed.append(current)
    SkillMastery.objects.bulk_create(created)
    SkillMastery.objects.bulk_update(
        changed, ["value", "level", "evidence", "score_sum", "weight_sum", "previous", "updated_at"])


def rebuild():
    """Recompute everyone's mastery by replaying their graded attempts in the order they were
    finished, as grading added them; returns the number of people."""
    people = 0
    user_ids = Attempt.objects.filter(status=AttemptStatus.FINISHED).values_list("user_id", flat=True).distinct()
    for user_id in user_ids.order_by("user_id").iterator():
        with transaction.atomic():
            SkillMastery.objects.filter(user_id=user_id).delete()
            for attempt_id in (Attempt.objects.filter(user_id=user_id, status=AttemptStatus.FINISHED)
                               .order_by("finished_at", "pk").values_list("pk", flat=True)):
                _add_attempt(user_id, attempt_id)
        people += 1
    return people
