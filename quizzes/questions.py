"""Writing questions from plain data — the one path for the curriculum loader, the importers
and the tests, so that every way in is validated alike.

Question data (one language): {"key", "name" (its Moodle name, if it has one), "type", "stem",
"explanation", "points", "difficulty", "skills": [...], "units": "…", "calculation": {…}
(calculated questions: see quizzes.calculation), "lab": {…} (SQL labs: see quizzes.labs),
"answers": [{"text", "fraction", "feedback", "match", "tolerance"}]}.
"""

import hashlib
import json
from decimal import Decimal

from django.utils.text import slugify
from django.utils.translation import gettext

from content.models import Skill

from .models import Difficulty, Question, QuestionAnswer, QuestionType
from .validation import question_errors

ANSWER_DEFAULTS = {"fraction": 0, "feedback": "", "match": "", "tolerance": None}


class QuestionDataError(ValueError):
    pass


def normalise(data):
    """Fill defaults and check the data; raise QuestionDataError with the reason."""
    if data.get("type") not in QuestionType.values:
        raise QuestionDataError(gettext("unknown question type '%(type)s'") % {"type": data.get("type")})
    if not str(data.get("stem") or "").strip():
        raise QuestionDataError(gettext("the question has no text"))
    answers = [{**ANSWER_DEFAULTS, **answer} for answer in data.get("answers", [])]
    for answer in answers:
        answer["text"] = str(answer["text"])
        try:
            answer["fraction"] = float(answer["fraction"])
            if answer["tolerance"] is not None:
                answer["tolerance"] = float(answer["tolerance"])
        except (TypeError, ValueError):
            raise QuestionDataError(gettext("a fraction or tolerance is not a number")) from None
    calculation, lab, essay = data.get("calculation") or {}, data.get("lab") or {}, data.get("essay") or {}
    errors = question_errors(data["type"], answers, calculation, lab, essay)
    if errors:
        raise QuestionDataError(" ".join(str(e) for e in errors))
    difficulty = data.get("difficulty") or Difficulty.MEDIUM
    if difficulty not in Difficulty.values:
        raise QuestionDataError(gettext("unknown difficulty '%(difficulty)s'") % {"difficulty": difficulty})
    try:
        points = Decimal(str(data.get("points") or 1))
    except ArithmeticError:
        raise QuestionDataError(gettext("points is not a number")) from None
    if points <= 0:
        raise QuestionDataError(gettext("points must be more than 0"))
    return {
        "key": slugify(data.get("key") or "")[:80],
        "type": data["type"],
        "stem": str(data["stem"]).strip(),
        "explanation": str(data.get("explanation") or "").strip(),
        "points": points,
        "difficulty": difficulty,
        "skills": [str(s) for s in data.get("skills") or []],
        "units": data.get("units") or "",
        "calculation": calculation if data["type"] == "calculated" else {},
        "lab": lab if data["type"] == "sql" else {},
        "essay": essay if data["type"] == "essay" else {},
        "answers": answers,
        # Only a question that has a name carries it, so the curriculum's digests stay as they were.
        **({"name": name} if (name := str(data.get("name") or "").strip()[:255]) else {}),
    }


def digest(data):
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str, ensure_ascii=False).encode()).hexdigest()


def write_question(bank, locale, data, *, question=None, translation_key=None):
    """Create (or overwrite `question`) from normalised data, saving a new revision."""
    if question is None:
        question = Question(bank=bank, locale=locale)
        if translation_key:
            question.translation_key = translation_key
    question.key = data["key"]
    question.name = data.get("name", "")
    question.question_type = data["type"]
    question.stem = data["stem"]
    question.explanation = data["explanation"]
    question.points = data["points"]
    question.difficulty = data["difficulty"]
    question.units = data["units"]
    question.calculation = data.get("calculation") or {}
    question.lab = data.get("lab") or {}
    question.essay = data.get("essay") or {}
    question.bank = bank
    question.answers = [
        QuestionAnswer(
            text=a["text"], fraction=Decimal(str(a["fraction"])), feedback=a["feedback"],
            match=a["match"], tolerance=None if a["tolerance"] is None else Decimal(str(a["tolerance"])),
            sort_order=index,
        )
        for index, a in enumerate(data["answers"])
    ]
    question.tags.set(data["skills"])
    # The framework's skills among them (the curriculum loader has refused unknown ones; an
    # imported file's other labels stay tags).
    question.skills.set(Skill.objects.filter(slug__in=data["skills"]) if data["skills"] else [])
    question.save()
    revision = question.save_revision(clean=False)
    return question, revision
