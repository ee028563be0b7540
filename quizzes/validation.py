"""What makes a question well-formed, per type. Used by the admin form, the curriculum loader
and the importers, so every way in applies the same rules."""

from django.utils.translation import gettext as _

from . import rubrics
from .calculation import calculation_errors
from .grading import ANY_ANSWER, parse_number
from .labs import lab_errors

CHOICE_TYPES = {"single_choice", "multiple_response", "true_false"}


def question_errors(question_type, answers, calculation=None, lab=None, essay=None):
    """Return a list of messages; empty when `answers` (dicts) suit `question_type` (and, for a
    calculated question, its `calculation`; for an SQL lab, its `lab`; for an essay, its `essay`
    settings and rubric)."""
    if question_type == "essay":  # graded by a person: no answers, a rubric (or points) instead
        if answers:
            return [_("An essay has no answers: graders use its rubric.")]
        return rubrics.settings_errors(essay or {})
    if not answers:
        return [_("Add at least one answer.")]
    if question_type in CHOICE_TYPES | {"short_text", "ordering"} and any(not a["text"].strip() for a in answers):
        return [_("Every answer needs its text (only a matching question's distractor has none).")]
    fractions = [a["fraction"] for a in answers]
    if any(f < -1 or f > 1 for f in fractions):
        return [_("Fractions lie between -1 and 1.")]
    if question_type == "single_choice":
        if len(answers) < 2:
            return [_("A single-choice question needs at least two choices.")]
        if max(fractions) != 1:
            return [_("Exactly one choice must be fully right (fraction 1).")]
        if fractions.count(1) != 1:
            return [_("Only one choice may have fraction 1; use multiple response for more.")]
    elif question_type == "multiple_response":
        if len(answers) < 2:
            return [_("A multiple-response question needs at least two choices.")]
        positive = sum(f for f in fractions if f > 0)
        if abs(positive - 1) > 0.01:
            return [
                _("The right choices' fractions must add up to 1 (they add up to %(sum)s).")
                % {"sum": round(positive, 4)}
            ]
    elif question_type == "true_false":
        texts = sorted(a["text"].strip().lower() for a in answers)
        if texts != ["false", "true"] or sorted(fractions) != [0, 1]:
            return [_("A true/false question has the answers 'true' and 'false', one of them with fraction 1.")]
    elif question_type == "numeric":
        for answer in answers:
            if answer["text"].strip() == ANY_ANSWER:  # Moodle's "any other answer"
                continue
            if parse_number(answer["text"]) is None:
                return [_("'%(text)s' is not a number.") % {"text": answer["text"]}]
            if (answer.get("tolerance") or 0) < 0:
                return [_("A tolerance cannot be negative.")]
        if max(fractions) != 1:
            return [_("One accepted value must be fully right (fraction 1).")]
    elif question_type == "short_text":
        if max(fractions) != 1:
            return [_("One accepted answer must be fully right (fraction 1).")]
    elif question_type == "calculated":
        return calculation_errors(calculation or {}, answers)
    elif question_type == "sql":
        return lab_errors(lab or {}, answers)
    elif question_type == "ordering":
        if len(answers) < 2:
            return [_("Give at least two items.")]
    elif question_type == "matching":
        # A row without an item is a distractor: one more match to choose from, as in Moodle.
        if len([a for a in answers if a["text"].strip()]) < 2:
            return [_("Give at least two items.")]
        if any(not a.get("match") for a in answers):
            return [_("Every matching item needs its match.")]
    else:
        return [_("Unknown question type.")]
    return []
