"""The curriculum's question banks and quizzes: one bank and one quiz per module with
questions, and a final exam under the course drawing from every bank.

Called inside load_curriculum's transaction (courses.signals.curriculum_written); an invalid
question raises CurriculumError naming its file and line, which rolls the whole load back.
"""

from content.curriculum import LANGUAGES, CurriculumError

from .models import GradingMethod, Question, QuestionBank, QuizDraw, QuizPage, ReviewPolicy
from .questions import QuestionDataError, digest, normalise, write_question

QUESTIONS_PER_MODULE_QUIZ = 10
QUESTIONS_PER_BANK_IN_EXAM = 4
QUIZ_TITLE = {"zh-hans": "模块测验", "en": "Module quiz"}
EXAM_TITLE = {"zh-hans": "结业考试", "en": "Final exam"}
EXAM_TIME_LIMIT = 40


def write_question_banks(source, pages, writer, report):
    banks, created, updated = [], 0, 0
    for module in source.modules:
        if not module.questions:
            continue
        bank, _ = QuestionBank.objects.update_or_create(
            slug=module.slug, defaults={"title": f"{module.title['zh-hans']} · {module.title['en']}"}
        )
        banks.append((bank, len(module.questions)))
        existing = {(q.key, q.locale_id): q for q in Question.objects.filter(bank=bank)}
        for raw in module.questions:
            c, u = _write_translated_question(bank, raw, writer, existing)
            created, updated = created + c, updated + u
        _write_quiz(writer, pages[module.slug], "quiz", QUIZ_TITLE,
                    [(bank, min(QUESTIONS_PER_MODULE_QUIZ, len(module.questions)))], time_limit=0)
    if banks:
        _write_quiz(writer, pages["course"], "final-exam", EXAM_TITLE,
                    [(bank, min(QUESTIONS_PER_BANK_IN_EXAM, n)) for bank, n in banks],
                    time_limit=EXAM_TIME_LIMIT)
    report.extra["questions created"] = created
    report.extra["questions updated"] = updated


def _write_translated_question(bank, raw, writer, existing):
    created = updated = 0
    translation_key = None
    for lang in LANGUAGES:
        try:
            data = normalise(_one_language(raw, lang))
        except (QuestionDataError, KeyError, TypeError) as error:
            message = f"missing {error}" if isinstance(error, KeyError) else str(error)
            raise CurriculumError(raw["_path"], raw["_line"], f"question '{raw.get('key')}' ({lang}): {message}") from None
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


def _one_language(raw, lang):
    """The YAML question (both languages) as question data in one language."""
    kind = raw["type"]
    text = lambda value: value[lang] if isinstance(value, dict) else value  # noqa: E731
    if kind in ("single_choice", "multiple_response"):
        answers = [{"text": text(c["text"]), "fraction": c.get("fraction", 0), "feedback": text(c.get("feedback") or "")}
                   for c in raw["choices"]]
    elif kind == "true_false":
        if not isinstance(raw["answer"], bool):
            raise QuestionDataError("a true/false answer must be true or false")
        answers = [{"text": "true", "fraction": 1 if raw["answer"] else 0},
                   {"text": "false", "fraction": 0 if raw["answer"] else 1}]
    elif kind == "numeric":
        answers = [{"text": str(raw["answer"]), "fraction": 1, "tolerance": raw.get("tolerance", 0)}]
    elif kind == "short_text":
        answers = [{"text": a, "fraction": 1} for a in raw["answers"][lang]]
    elif kind == "ordering":
        answers = [{"text": text(item)} for item in raw["items"]]
    elif kind == "matching":
        answers = [{"text": text(p["left"]), "match": text(p["right"])} for p in raw["pairs"]]
    else:
        raise QuestionDataError(f"unknown question type '{kind}'")
    return {
        "key": raw["key"],
        "type": kind,
        "stem": text(raw["stem"]),
        "explanation": text(raw.get("explanation") or ""),
        "points": raw.get("points", 1),
        "difficulty": raw.get("difficulty"),
        "skills": raw.get("skills") or [],
        "units": ", ".join(raw.get("units") or []),
        "answers": answers,
    }


def _write_quiz(writer, parents, slug, titles, draws, *, time_limit):
    """The quiz under each language's parent page; translations share the first one's key."""
    first = None
    for lang in LANGUAGES:
        fields = {
            "title": titles[lang], "pass_mark": 60, "max_attempts": 0, "time_limit_minutes": time_limit,
            "grading_method": GradingMethod.HIGHEST, "review_policy": ReviewPolicy.FEEDBACK,
            "draws": [QuizDraw(bank=bank, count=count, sort_order=i) for i, (bank, count) in enumerate(draws)],
        }
        if first is not None:
            fields["translation_key"] = first.translation_key
        page_digest = f"quiz:{titles[lang]}:{time_limit}:" + ",".join(f"{b.slug}={c}" for b, c in draws)
        page = writer.write(QuizPage, parents[lang], {"slug": slug, "locale": writer.locales[lang]}, page_digest, fields)
        first = first or page
