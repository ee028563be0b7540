"""Mastery of a skill, from graded answers.

The rule, as the trainee's page says it: *your mastery of a skill is the share of points you
earned on the questions that test it, where an answer counts half as much as one graded 90 days
after it and hard questions count more than easy ones; below 3 answers there is not enough
evidence to say.* Levels: 1 from 40 %, 2 from 65 %, 3 from 85 %.

Each graded attempt becomes `SkillEvidence` rows (one per question and skill; an essay's rubric
criteria count for their own skills with their own share), written in the grading transaction
(`record_attempt`, called by `api.record_grade`), which then recomputes that person's mastery of
the skills it touched. A regrade replaces the attempt's evidence. `rebuild` does the same from
every graded attempt, so the two agree (tests/quizzes/test_mastery.py).
"""

from collections import defaultdict
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from content.models import Skill

from .models import Attempt, AttemptQuestion, AttemptStatus, SkillEvidence, SkillMastery

HALF_LIFE = timedelta(days=90)
DIFFICULTY_WEIGHT = {"easy": 0.75, "medium": 1.0, "hard": 1.5}
LEVEL_FROM = ((3, 0.85), (2, 0.65), (1, 0.40))
MIN_EVIDENCE = 3


def level_of(value, evidence):
    """0–3, or None when there is not enough evidence to say."""
    if evidence < MIN_EVIDENCE:
        return None
    return next((level for level, least in LEVEL_FROM if value >= least), 0)


def value_of(rows):
    """The weighted mean fraction of evidence `rows` ((fraction, weight, graded_at)), each
    weight halved for every HALF_LIFE between it and the newest."""
    if not rows:
        return 0.0
    newest = max(at for _f, _w, at in rows)
    total = weight_sum = 0.0
    for fraction, weight, at in rows:
        weight *= 0.5 ** ((newest - at) / HALF_LIFE)
        total += fraction * weight
        weight_sum += weight
    return total / weight_sum if weight_sum else 0.0


def evidence_of(attempt_ids):
    """SkillEvidence rows (unsaved) for graded attempts: each scored question for each of its
    question's skills, and each essay criterion with skills for those skills."""
    questions, skills = {}, defaultdict(list)
    for row in (AttemptQuestion.objects.filter(attempt_id__in=attempt_ids, score__isnull=False)
                .values("pk", "attempt_id", "attempt__user_id", "attempt__finished_at", "question__difficulty",
                        "score", "spec__points", "marking", "marked_at", "manual", "spec__essay",
                        "question__skills")):  # one row per question and skill, in one query
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
        common = {"user_id": q["attempt__user_id"], "attempt_id": q["attempt_id"], "weight": weight, "graded_at": at}
        for skill_id in skills[q["pk"]]:
            rows.append(SkillEvidence(skill_id=skill_id, fraction=min(1.0, float(q["score"]) / points), **common))
        for criterion, fraction in _criteria(q):
            for slug in criterion.get("skills", []):
                if slug in by_slug:
                    rows.append(SkillEvidence(skill_id=by_slug[slug], fraction=fraction, **common))
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


def record_attempt(attempt, *, regrade=False):
    """Record a just-graded attempt's evidence (replacing it on a regrade) and recompute its
    owner's mastery of the skills it touched. Runs inside the grading transaction."""
    old = set()
    if regrade:
        old = set(SkillEvidence.objects.filter(attempt_id=attempt.pk).values_list("skill_id", flat=True))
        SkillEvidence.objects.filter(attempt_id=attempt.pk).delete()
    rows = evidence_of([attempt.pk])
    SkillEvidence.objects.bulk_create(rows)
    touched = old | {row.skill_id for row in rows}
    if touched:
        recompute(attempt.user_id, touched)


def recompute(user_id, skill_ids, *, now=None):
    """Write `user_id`'s mastery of `skill_ids` from their evidence (one read, one or two writes)."""
    now = now or timezone.now()
    evidence = defaultdict(list)
    for skill_id, fraction, weight, at in SkillEvidence.objects.filter(
            user_id=user_id, skill_id__in=skill_ids).values_list("skill_id", "fraction", "weight", "graded_at"):
        evidence[skill_id].append((fraction, weight, at))
    existing = {m.skill_id: m for m in SkillMastery.objects.filter(user_id=user_id, skill_id__in=skill_ids)}
    changed, created, gone = [], [], []
    for skill_id in skill_ids:
        rows = evidence.get(skill_id, [])
        current = existing.get(skill_id)
        if not rows:
            if current is not None:
                gone.append(current.pk)
            continue
        value = value_of(rows)
        level = level_of(value, len(rows)) or 0
        if current is None:
            created.append(SkillMastery(user_id=user_id, skill_id=skill_id, value=value, level=level,
                                        evidence=len(rows), previous=None, updated_at=now))
        elif (current.value, current.evidence) != (value, len(rows)):
            current.previous, current.value, current.level = current.value, value, level
            current.evidence, current.updated_at = len(rows), now
            changed.append(current)
    SkillMastery.objects.bulk_create(created)
    SkillMastery.objects.bulk_update(changed, ["value", "level", "evidence", "previous", "updated_at"])
    if gone:
        SkillMastery.objects.filter(pk__in=gone).delete()


def rebuild(*, batch=500):
    """Recompute everyone's evidence and mastery from graded attempts, oldest first; returns the
    number of people. Trends start again (no previous value)."""
    people = 0
    user_ids = Attempt.objects.filter(status=AttemptStatus.FINISHED).values_list("user_id", flat=True).distinct()
    for user_id in user_ids.order_by("user_id").iterator():
        with transaction.atomic():
            attempts = list(Attempt.objects.filter(user_id=user_id, status=AttemptStatus.FINISHED)
                            .values_list("pk", flat=True))
            SkillEvidence.objects.filter(user_id=user_id).delete()
            SkillMastery.objects.filter(user_id=user_id).delete()
            rows = evidence_of(attempts)
            SkillEvidence.objects.bulk_create(rows, batch_size=batch)
            recompute(user_id, {row.skill_id for row in rows})
        people += 1
    return people
