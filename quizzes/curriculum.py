"""The curriculum's question banks and quizzes: one bank and one quiz per module with
questions, a final exam under the course drawing from every module's bank, and after it the
capstone, whose essays (graded by a person) come from its own bank.

Called inside load_curriculum's transaction (courses.signals.curriculum_written); an invalid
question raises CurriculumError naming its file and line, which rolls the whole load back.
"""

import math
from decimal import Decimal, InvalidOperation

from content.curriculum import LANGUAGES, CurriculumError, Lines

from . import rubrics
from .grading import parse_number
from .models import (
    AnswersShown,
    Difficulty,
    GradingMethod,
    Question,
    QuestionBank,
    QuestionType,
    QuizDraw,
    QuizPage,
    ReviewPolicy,
)
from .questions import QuestionDataError, digest, normalise, write_question

QUESTIONS_PER_MODULE_QUIZ = 10
PRACTICAL_PER_MODULE_QUIZ = 3
PRACTICAL_TYPES = {"calculated", "sql"}
PRACTICAL_TAG = "practical"
QUESTIONS_PER_BANK_IN_EXAM = 4
QUIZ_TITLE = {"zh-hans": "模块测验", "en": "Module quiz"}
EXAM_TITLE = {"zh-hans": "结业考试", "en": "Final exam"}
EXAM_TIME_LIMIT = 40
CAPSTONE_SLUG = "capstone"
CAPSTONE_MAX_ATTEMPTS = 3
ESSAY_SETTINGS = {"attachments", "attachments_required", "template", "grader_info", "rubric"}
CRITERION_FIELDS = {"key", "title", "description", "skills", "levels"}
LEVEL_FIELDS = {"points", "title", "description"}


def write_question_banks(source, pages, writer, report):
    banks, counts = [], [0, 0]
    for module in source.modules:
        if not module.questions:
            continue
        for raw in module.questions:
            if raw.get("type") == QuestionType.ESSAY:
                raise CurriculumError(
                    raw["_path"], raw["_lines"].of("type"),
                    f"question '{raw.get('key')}': an essay is graded by a person, so it belongs in the "
                    f"capstone (capstone/questions.yaml); module quizzes and the final exam grade themselves")
        bank = _write_bank(module.slug, module.title, module.questions, writer, counts)
        banks.append((bank, len(module.questions)))
        size = min(QUESTIONS_PER_MODULE_QUIZ, len(module.questions))
        practical = sum(1 for raw in module.questions if raw.get("type") in PRACTICAL_TYPES)
        # Every attempt does some of the work itself: its first draw takes practical questions.
        draws = [(bank, min(PRACTICAL_PER_MODULE_QUIZ, practical), PRACTICAL_TAG), (bank, size - min(
            PRACTICAL_PER_MODULE_QUIZ, practical))] if practical else [(bank, size)]
        _write_quiz(writer, pages[module.slug], "quiz", QUIZ_TITLE, draws, time_limit=0)
    if banks:
        _write_quiz(writer, pages["course"], "final-exam", EXAM_TITLE,
                    [(bank, min(QUESTIONS_PER_BANK_IN_EXAM, n)) for bank, n in banks],
                    time_limit=EXAM_TIME_LIMIT)
    capstone = source.capstone
    if capstone is not None:
        bank = _write_bank(CAPSTONE_SLUG, capstone.title, capstone.questions, writer, counts)
        # Untimed, three tries, and the grader's rubric and words shown after every attempt
        # (an essay has no right answer to keep back).
        _write_quiz(writer, pages["course"], CAPSTONE_SLUG, capstone.title, [(bank, len(capstone.questions))],
                    time_limit=0, intro=capstone.introduction, max_attempts=CAPSTONE_MAX_ATTEMPTS,
                    answers_shown=AnswersShown.ALWAYS)
    report.extra["questions created"], report.extra["questions updated"] = counts


def _write_bank(slug, title, questions, writer, counts):
    """The bank `slug` with `questions` (both languages); adds to `counts` [created, updated]."""
    bank, _ = QuestionBank.objects.update_or_create(
        slug=slug, defaults={"title": f"{title['zh-hans']} · {title['en']}"})
    existing = {(q.key, q.locale_id): q for q in Question.objects.filter(bank=bank)}
    for raw in questions:
        created, updated = _write_translated_question(bank, raw, writer, existing)
        counts[0], counts[1] = counts[0] + created, counts[1] + updated
    return bank


def _write_translated_question(bank, raw, writer, existing):
    created = updated = 0
    translation_key = None
    for lang in LANGUAGES:
        data = _question_data(raw, lang)
        locale = writer.locales[lang]
        question = existing.get((data["key"], locale.pk))
        source_digest = digest(data)
        if question is not None:
            translation_key = translation_key or question.translation_key
            if question.source_digest == source_digest:
                continue
            if question.latest_revision_id != question.source_revision_id and not writer.force:
                writer.report.kept_edits.append(question)
                continue
        is_new = question is None
        question, revision = write_question(bank, locale, data, question=question, translation_key=translation_key)
        Question.objects.filter(pk=question.pk).update(source_digest=source_digest, source_revision_id=revision.pk)
        translation_key = question.translation_key
        created, updated = created + is_new, updated + (not is_new)
    return created, updated


class _FieldError(Exception):
    """A field of a questions.yaml question is wrong on its own; `path` leads to it."""

    def __init__(self, path, message):
        super().__init__(message)
        self.path = path


def _question_data(raw, lang):
    """The question in one language, normalised; CurriculumError at the line of the field at
    fault, or at the question's first line when the fault is how its answers go together."""
    lines = raw.get("_lines") or Lines()
    try:
        data, answer_paths = _one_language(raw, lang)
        _check_fields(data, answer_paths)
        return normalise(data)
    except _FieldError as error:
        line, message = lines.of(*error.path, default=raw["_line"]), str(error)
    except (QuestionDataError, TypeError) as error:
        line, message = raw["_line"], str(error)
    raise CurriculumError(raw["_path"], line, f"question '{raw.get('key')}' ({lang}): {message}")


def _field(mapping, key, *path):
    """mapping[key], where `path` leads to `mapping`; a missing key is named at its mapping."""
    if not isinstance(mapping, dict):
        raise _FieldError(path, "expected a mapping of keys to values")
    if key not in mapping:
        raise _FieldError(path, f"missing '{key}'")
    return mapping[key]


def _list(raw, key):
    value = _field(raw, key)
    if not isinstance(value, list):
        raise _FieldError((key,), f"'{key}' must be a list")
    return value


def _one_language(raw, lang):
    """The YAML question (both languages) as question data in one language, and for each
    answer the path to the mapping or value it came from."""
    kind = _field(raw, "type")

    def text(value, *path):
        return _field(value, lang, *path) if isinstance(value, dict) else value

    if kind in ("single_choice", "multiple_response"):
        paths = [("choices", i) for i in range(len(_list(raw, "choices")))]
        answers = [{"text": text(_field(c, "text", *at), *at, "text"), "fraction": c.get("fraction", 0),
                    "feedback": text(c.get("feedback") or "", *at, "feedback")} for c, at in zip(raw["choices"], paths)]
    elif kind == "true_false":
        if not isinstance(_field(raw, "answer"), bool):
            raise _FieldError(("answer",), "a true/false answer must be true or false")
        answers = [{"text": "true", "fraction": 1 if raw["answer"] else 0},
                   {"text": "false", "fraction": 0 if raw["answer"] else 1}]
        paths = [("answer",)] * 2
    elif kind == "numeric":
        answers = [{"text": str(_field(raw, "answer")), "fraction": 1, "tolerance": raw.get("tolerance", 0)}]
        paths = [("answer",)]
    elif kind == "short_text":
        accepted = _field(_field(raw, "answers"), lang, "answers")
        if not isinstance(accepted, list):
            raise _FieldError(("answers", lang), "accepted answers must be a list")
        answers = [{"text": a, "fraction": 1} for a in accepted]
        paths = [("answers", lang, i) for i in range(len(answers))]
    elif kind == "ordering":
        paths = [("items", i) for i in range(len(_list(raw, "items")))]
        answers = [{"text": text(item, *at)} for item, at in zip(raw["items"], paths)]
    elif kind == "matching":
        paths = [("pairs", i) for i in range(len(_list(raw, "pairs")))]
        answers = [{"text": text(_field(p, "left", *at), *at, "left"),
                    "match": text(_field(p, "right", *at), *at, "right")}
                   for p, at in zip(raw["pairs"], paths)]
    elif kind == "calculated":
        paths = [("formulas", i) for i in range(len(_list(raw, "formulas")))]
        answers = [{"text": str(_field(f, "formula", *at)), "fraction": f.get("fraction", 1),
                    "tolerance": f.get("tolerance"), "match": f.get("tolerance_type", "relative"),
                    "feedback": text(f.get("feedback") or "", *at, "feedback")}
                   for f, at in zip(raw["formulas"], paths)]
    elif kind == "sql":
        answers = [{"text": str(_field(raw, "query")).strip(), "fraction": 1}]
        paths = [("query",)]
    elif kind == "essay":
        answers, paths = [], []
    else:
        raise _FieldError(("type",), f"unknown question type '{kind}'")
    return {
        "key": _field(raw, "key"),
        "type": kind,
        "stem": text(_field(raw, "stem"), "stem"),
        "explanation": text(raw.get("explanation") or "", "explanation"),
        "points": raw.get("points", 1),
        "difficulty": raw.get("difficulty"),
        # the skills (framework slugs), and the tag module quizzes draw their practical questions by
        "skills": (raw.get("skills") or []) + ([PRACTICAL_TAG] if kind in PRACTICAL_TYPES else []),
        "units": ", ".join(raw.get("units") or []),
        "calculation": _calculation(raw) if kind == "calculated" else {},
        "lab": _lab(raw) if kind == "sql" else {},
        "essay": _essay(raw, text) if kind == "essay" else {},
        "answers": answers,
    }, paths


def _calculation(raw):
    """`wildcards: {name: {min, max, decimals, distribution, items}}` and `display` as a
    question's calculation (quizzes.calculation checks it with the formulas)."""
    wildcards = _field(raw, "wildcards")
    if not isinstance(wildcards, dict) or not all(isinstance(v, dict) for v in wildcards.values()):
        raise _FieldError(("wildcards",), "wildcards map each name to its range, e.g. visitors: {min: 1000, max: 9000}")
    datasets = [{"name": str(name), **spec} for name, spec in wildcards.items()]
    return {"datasets": datasets, "display": raw.get("display") or {"format": "decimals", "length": 2}}


def _lab(raw):
    """`lab: {dataset, variants, …}` as the question's lab (quizzes.labs checks it and runs the
    reference query, the question's `query`, on the dataset)."""
    lab = _field(raw, "lab")
    if not isinstance(lab, dict):
        raise _FieldError(("lab",), "lab maps settings to values, e.g. {dataset: shop, variants: 8}")
    return dict(lab)


def _essay(raw, text):
    """`essay:` settings in one language: the template, the grader's notes and the rubric's
    titles and descriptions are {zh-hans, en} maps; keys, points, skills and attachment counts
    are the same in both. A setting rubrics.py refuses is named at its line."""
    settings = raw.get("essay") or {}
    _known(settings, ESSAY_SETTINGS, ("essay",))
    essay = {name: settings[name] for name in ("attachments", "attachments_required") if name in settings}
    for name in ("template", "grader_info"):
        if name in settings:
            essay[name] = text(settings[name], "essay", name)
    rubric = settings.get("rubric") or []
    if not isinstance(rubric, list):
        raise _FieldError(("essay", "rubric"), "a rubric is a list of criteria")
    essay["rubric"] = [_criterion(criterion, text, ("essay", "rubric", i)) for i, criterion in enumerate(rubric)]
    errors = rubrics.settings_errors(essay)
    if errors:
        raise _FieldError(_essay_fault(essay), " ".join(errors))
    return essay


def _criterion(raw, text, at):
    _known(raw, CRITERION_FIELDS, at)
    criterion = {name: raw[name] for name in ("key", "skills") if name in raw}
    for name in ("title", "description"):
        if name in raw:
            criterion[name] = text(raw[name], *at, name)
    levels = _field(raw, "levels", *at)
    if not isinstance(levels, list):
        raise _FieldError((*at, "levels"), "levels must be a list")
    criterion["levels"] = []
    for index, level in enumerate(levels):
        _known(level, LEVEL_FIELDS, (*at, "levels", index))
        criterion["levels"].append({
            name: text(level[name], *at, "levels", index, name) if name != "points" else level[name]
            for name in ("points", "title", "description") if name in level
        })
    return criterion


def _known(mapping, names, path):
    if not isinstance(mapping, dict):
        raise _FieldError(path, "expected a mapping of keys to values")
    unknown = sorted(set(mapping) - names, key=str)
    if unknown:
        raise _FieldError((*path, unknown[0]), f"unknown setting '{unknown[0]}' (use {', '.join(sorted(names))})")


def _essay_fault(essay):
    """The path to the first setting of `essay` that rubrics.settings_errors refuses."""
    if rubrics.settings_errors({"attachments": essay.get("attachments", 0)}):
        return ("essay", "attachments")
    counts = ("attachments", "attachments_required")
    if rubrics.settings_errors({name: essay[name] for name in counts if name in essay}):
        return ("essay", "attachments_required")
    for name in ("template", "grader_info"):
        if not isinstance(essay.get(name, ""), str):
            return ("essay", name)
    keys = set()
    for i, criterion in enumerate(essay["rubric"]):
        if criterion.get("key") in keys:
            return ("essay", "rubric", i, "key")
        keys.add(criterion.get("key"))
        if rubrics.rubric_errors([criterion]):
            for j, level in enumerate(criterion["levels"]):
                if not _sound_level(level):
                    return ("essay", "rubric", i, "levels", j)
            return ("essay", "rubric", i)
    return ("essay", "rubric")


def _sound_level(level):
    points, title = level.get("points"), level.get("title")
    return (isinstance(title, str) and bool(title.strip()) and isinstance(points, (int, float))
            and not isinstance(points, bool) and 0 <= points <= 1000)


def _check_fields(data, answer_paths):
    """The checks `normalise` makes of single values, made here first to name each value's
    line; what is left to `normalise` is how the answers go together."""
    if data["type"] not in QuestionType.values:
        raise _FieldError(("type",), f"unknown question type '{data['type']}'")
    if not str(data["stem"] or "").strip():
        raise _FieldError(("stem",), "the question has no text")
    for answer, path in zip(data["answers"], answer_paths):
        fraction = _float(answer.get("fraction", 0))
        if fraction is None or not -1 <= fraction <= 1:
            raise _FieldError((*path, "fraction"), f"fraction '{answer['fraction']}' is not a number from -1 to 1")
        if answer.get("tolerance") is not None:
            tolerance = _float(answer["tolerance"])
            if tolerance is None or not 0 <= tolerance < math.inf:
                raise _FieldError(("tolerance",), f"tolerance '{answer['tolerance']}' is not a number of 0 or more")
        if data["type"] == "numeric" and parse_number(answer["text"]) is None:
            raise _FieldError(path, f"'{answer['text']}' is not a number")
        if data["type"] == "matching" and not answer.get("match"):
            raise _FieldError((*path, "right"), "every matching item needs its match")
    if (data["difficulty"] or Difficulty.MEDIUM) not in Difficulty.values:
        raise _FieldError(
            ("difficulty",), f"unknown difficulty '{data['difficulty']}' (use {', '.join(Difficulty.values)})"
        )
    try:
        points = Decimal(str(data["points"] or 1))
    except InvalidOperation:
        points = None
    if points is None or not points.is_finite() or points <= 0:
        raise _FieldError(("points",), f"points '{data['points']}' is not a number more than 0")


def _float(value):
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _write_quiz(writer, parents, slug, titles, draws, *, time_limit, intro=None, **settings):
    """The quiz under each language's parent page; translations share the first one's key.
    `settings` are QuizPage fields beyond the defaults (the capstone's attempts, its review)."""
    first = None
    for lang in LANGUAGES:
        fields = {
            "title": titles[lang], "pass_mark": 60, "max_attempts": 0, "time_limit_minutes": time_limit,
            "grading_method": GradingMethod.HIGHEST, "review_policy": ReviewPolicy.FEEDBACK,
            "draws": [QuizDraw(bank=draw[0], count=draw[1], tag=draw[2] if len(draw) > 2 else "", sort_order=i)
                      for i, draw in enumerate(draws)],
            **settings,
        }
        if first is not None:
            fields["translation_key"] = first.translation_key
        page_digest = f"quiz:{titles[lang]}:{time_limit}:" + ",".join(
            f"{draw[0].slug}={draw[1]}" + (f"#{draw[2]}" if len(draw) > 2 else "") for draw in draws)
        if intro or settings:  # only quizzes that have them digest them: the others' records still match
            fields["intro"] = intro[lang] if intro else ""
            page_digest += ":" + ",".join(f"{k}={v}" for k, v in sorted(settings.items())) + f":{fields['intro']}"
        page = writer.write(
            QuizPage, parents[lang], {"slug": slug, "locale": writer.locales[lang]}, page_digest, fields
        )
        first = first or page
