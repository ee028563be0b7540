"""Essay questions: their settings, rubrics, and how a grader's marking becomes a score.

An essay question's `essay` settings (JSON, authored in the admin and the curriculum files):

    {"attachments": 2,             # files a trainee may attach, 0–5
     "attachments_required": 0,    # files a submission needs
     "template": "## Goal\\n…",    # Markdown the answer box starts with
     "grader_info": "…",           # Markdown notes for graders, never shown to trainees
     "rubric": [                   # criteria × levels; empty: the grader gives points directly
        {"key": "goal", "title": "…", "description": "…", "skills": ["campaign-planning"],
         "levels": [{"points": 0, "title": "…", "description": "…"}, …]}]}

A rubric's score is Moodle's: (points chosen − the least possible) / (the most − the least),
times the question's points, so a rubric whose lowest levels are worth 1 still starts at zero.
"""

import math
import re
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _

MAX_ATTACHMENTS = 5
MAX_CRITERIA = 20
MAX_LEVELS = 10
MAX_COMMENT = 2000
MAX_FEEDBACK = 10_000
KEY = re.compile(r"[a-z0-9][a-z0-9_-]{0,39}")


class MarkingError(ValueError):
    """A marking that does not fit the question; the message says why."""


def settings_errors(essay):
    """Why an essay question's settings are wrong, one message each; [] when they are right."""
    if not isinstance(essay, dict):
        return [_("Essay settings must be an object.")]
    errors = []
    unknown = set(essay) - {"attachments", "attachments_required", "template", "grader_info", "rubric"}
    if unknown:
        errors.append(_("Unknown essay settings: %(names)s.") % {"names": ", ".join(sorted(unknown))})
    allowed, required = essay.get("attachments", 0), essay.get("attachments_required", 0)
    if not _count(allowed, MAX_ATTACHMENTS):
        errors.append(_("Attachments must be a whole number from 0 to %(max)s.") % {"max": MAX_ATTACHMENTS})
    elif not _count(required, allowed):
        errors.append(_("Required attachments must be a whole number from 0 to the attachments allowed."))
    for name in ("template", "grader_info"):
        if not isinstance(essay.get(name, ""), str):
            errors.append(_("%(name)s must be text.") % {"name": name})
    errors.extend(rubric_errors(essay.get("rubric", [])))
    return errors


def rubric_errors(rubric):
    if not isinstance(rubric, list) or len(rubric) > MAX_CRITERIA:
        return [_("A rubric is a list of at most %(max)s criteria.") % {"max": MAX_CRITERIA}]
    errors, keys = [], set()
    for number, criterion in enumerate(rubric, start=1):
        where = _("Criterion %(number)s") % {"number": number}
        if not isinstance(criterion, dict):
            errors.append(_("%(where)s must be an object.") % {"where": where})
            continue
        key = criterion.get("key")
        if not isinstance(key, str) or not KEY.fullmatch(key):
            errors.append(_("%(where)s needs a key of lower-case letters, digits, - or _.") % {"where": where})
        elif key in keys:
            errors.append(_("%(where)s repeats the key “%(key)s”.") % {"where": where, "key": key})
        keys.add(key)
        if not isinstance(criterion.get("title"), str) or not criterion["title"].strip():
            errors.append(_("%(where)s needs a title.") % {"where": where})
        skills = criterion.get("skills", [])
        if not isinstance(skills, list) or not all(isinstance(s, str) for s in skills):
            errors.append(_("%(where)s: skills must be a list of skill slugs.") % {"where": where})
        levels = criterion.get("levels")
        if not isinstance(levels, list) or not 2 <= len(levels) <= MAX_LEVELS:
            errors.append(_("%(where)s needs 2 to %(max)s levels.") % {"where": where, "max": MAX_LEVELS})
            continue
        for level in levels:
            if not isinstance(level, dict) or not isinstance(level.get("title"), str) or not level["title"].strip():
                errors.append(_("%(where)s: every level needs a title.") % {"where": where})
                break
            if not _points(level.get("points")):
                errors.append(_("%(where)s: every level needs points from 0 to 1000.") % {"where": where})
                break
    if not errors and rubric and maximum(rubric) <= minimum(rubric):
        errors.append(_("The rubric's best levels must be worth more than its lowest."))
    return errors


def _count(value, most):
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= most


def _points(value):
    return (isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
            and 0 <= value <= 1000)


def minimum(rubric):
    return sum(min(level["points"] for level in c["levels"]) for c in rubric)


def maximum(rubric):
    return sum(max(level["points"] for level in c["levels"]) for c in rubric)


def frozen(essay):
    """The essay settings an attempt keeps, with defaults filled in."""
    essay = essay or {}
    return {
        "attachments": essay.get("attachments", 0),
        "attachments_required": essay.get("attachments_required", 0),
        "template": essay.get("template", ""),
        "grader_info": essay.get("grader_info", ""),
        "rubric": essay.get("rubric", []),
    }


def clean_marking(spec, data):
    """A grader's marking of an essay (`levels`: {criterion key: level index}, `comments`:
    {criterion key: text}, `feedback`, and `points` when there is no rubric), checked against
    the frozen question; returns (score, cleaned marking) or raises MarkingError."""
    rubric = spec["essay"]["rubric"]
    points = Decimal(str(spec["points"]))
    feedback = data.get("feedback") or ""
    if not isinstance(feedback, str) or len(feedback) > MAX_FEEDBACK:
        raise MarkingError(_("Feedback must be text of at most %(max)s characters.") % {"max": MAX_FEEDBACK})
    if not rubric:
        given = _decimal(data.get("points"))
        if given is None or not 0 <= given <= points:
            raise MarkingError(_("Give a score from 0 to %(points)s.") % {"points": _plain(points)})
        score = given.quantize(Decimal("0.001"), ROUND_HALF_UP)
        return score, {"points": float(score), "feedback": feedback.strip()}
    levels, comments = data.get("levels") or {}, data.get("comments") or {}
    if not isinstance(levels, dict) or not isinstance(comments, dict):
        raise MarkingError(_("Choose a level for every criterion."))
    chosen, kept_comments = {}, {}
    for criterion in rubric:
        key = criterion["key"]
        index = levels.get(key)
        if isinstance(index, str) and index.isascii() and index.isdigit() and len(index) < 3:
            index = int(index)
        if not isinstance(index, int) or isinstance(index, bool) or not 0 <= index < len(criterion["levels"]):
            raise MarkingError(_("Choose a level for “%(criterion)s”.") % {"criterion": criterion["title"]})
        chosen[key] = index
        comment = comments.get(key) or ""
        if not isinstance(comment, str) or len(comment) > MAX_COMMENT:
            raise MarkingError(_("A comment must be text of at most %(max)s characters.") % {"max": MAX_COMMENT})
        if comment.strip():
            kept_comments[key] = comment.strip()
    total = sum(c["levels"][chosen[c["key"]]]["points"] for c in rubric)
    fraction = Decimal(str(total - minimum(rubric))) / Decimal(str(maximum(rubric) - minimum(rubric)))
    score = (points * fraction).quantize(Decimal("0.001"), ROUND_HALF_UP)
    return score, {"levels": chosen, "comments": kept_comments, "feedback": feedback.strip()}


def described(spec, marking):
    """The rubric with the marking's choices, for the review and the grading page: each
    criterion with its levels (`chosen` on the one picked) and its comment."""
    marking = marking or {}
    levels, comments = marking.get("levels", {}), marking.get("comments", {})
    return [
        {
            **criterion,
            "comment": comments.get(criterion["key"], ""),
            "levels": [
                {**level, "index": index, "chosen": levels.get(criterion["key"]) == index}
                for index, level in enumerate(criterion["levels"])
            ],
            "best": max(level["points"] for level in criterion["levels"]),
            "got": next((lv["points"] for i, lv in enumerate(criterion["levels"]) if levels.get(criterion["key"]) == i),
                        None),
        }
        for criterion in spec["essay"]["rubric"]
    ]


def _decimal(value):
    if isinstance(value, bool):
        return None
    try:
        number = Decimal(str(value).strip())
    except (ArithmeticError, ValueError):
        return None
    return number if number.is_finite() else None


def _plain(number):
    return format(number.normalize(), "f")
