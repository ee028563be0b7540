"""Importing Moodle question files into a bank, and exporting a bank, in one language.

All or nothing: the file is parsed and every question normalised (through
`quizzes.questions`, the one way in) before anything is written, so a malformed file or an
invalid value raises `FormatError` naming its line or element and leaves the bank as it was;
the writes then happen in one transaction.

Keys: a question's Moodle id number (`[id:…]`, `<idnumber>`), else its title, else a hash of
its text, prefixed with the bank's slug (`<bank>-…`) because keys are unique across banks. An
id number that already is a key of this bank, or already carries the prefix, is used as it is,
so importing an exported bank updates its questions instead of copying them. A question whose
key exists is updated; fields the format cannot express (GIFT: points, units, an essay's
settings and rubric; Moodle XML: the rubric of an essay written without one, as Moodle writes
them; every format: difficulty) keep their current values.
"""

import hashlib
import re
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import PurePosixPath
from urllib.parse import unquote

from django.conf import settings
from django.core.files.images import ImageFile
from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext, ngettext
from wagtail.images import get_image_model

from content.models import Skill

from .formats import FormatError, aiken, gift, moodlefiles, moodlexml
from .formats.common import at_line
from .models import Question, QuestionAnswer
from .questions import QuestionDataError, normalise, write_question

__all__ = ["FormatError", "ImportReport", "IMPORT_FORMATS", "EXPORT_FORMATS", "MAX_FILE_BYTES", "read_text",
           "import_questions", "export_bank", "unexportable", "export_notes", "bank_questions"]

PARSERS = {"gift": gift.parse, "moodlexml": moodlexml.parse, "aiken": aiken.parse}
WRITERS = {"gift": gift, "moodlexml": moodlexml}
IMPORT_FORMATS = tuple(PARSERS)
EXPORT_FORMATS = tuple(WRITERS)
KEY_LENGTH = 80
# The largest question file taken, by the admin form and `manage.py import_questions` alike.
# Every parser reads in time linear in the file; this bounds that time and the memory.
MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_FILE_SIZE = "5 MB"
ANSWER_FIELDS = ("text", "fraction", "feedback", "match", "tolerance")
# Columns of limited length a file can fill (PostgreSQL refuses a longer value outright).
UNITS_LENGTH = Question._meta.get_field("units").max_length
MATCH_LENGTH = QuestionAnswer._meta.get_field("match").max_length


@dataclass
class ImportReport:
    created: list = field(default_factory=list)
    updated: list = field(default_factory=list)
    unchanged: list = field(default_factory=list)
    skipped: list = field(default_factory=list)  # (question name or line, reason)
    labels: list = field(default_factory=list)  # a file's labels that are no skill of the framework

    @property
    def imported(self):
        return len(self.created) + len(self.updated) + len(self.unchanged)

    def summary(self):
        imported = ngettext("Imported %(count)s question", "Imported %(count)s questions", self.imported) % {
            "count": self.imported}
        return gettext("%(imported)s, skipped %(skipped)s") % {"imported": imported, "skipped": len(self.skipped)}

    def labels_note(self):
        """What became of labels that name no skill of the framework, or ''."""
        if not self.labels:
            return ""
        return ngettext(
            "%(count)s label is not a skill of the framework and was kept as a tag: %(labels)s",
            "%(count)s labels are not skills of the framework and were kept as tags: %(labels)s",
            len(self.labels)) % {"count": len(self.labels), "labels": ", ".join(self.labels)}


def read_text(data: bytes) -> str:
    """An uploaded file's text; Moodle's formats are UTF-8 (a byte-order mark is allowed)."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise FormatError(at_line(line), gettext("the file is not UTF-8 text; save it as UTF-8")) from None


def import_questions(bank, locale, text, fmt) -> ImportReport:
    """Import `text` in `fmt` (gift, moodlexml or aiken) into `bank` in `locale`, all or nothing."""
    parsed = PARSERS[fmt](text)
    existing = {q.key: q for q in _questions(bank, locale)}
    prepared = _prepare(bank, parsed.questions, existing)
    _refuse_keys_of_other_banks(bank, locale, prepared)
    translations = dict(
        Question.objects.filter(bank=bank, key__in=[data["key"] for data, _, _ in prepared])
        .exclude(locale=locale).values_list("key", "translation_key")
    )
    labels = {label for data, _where, _files in prepared for label in data["skills"]}
    framework = set(Skill.objects.filter(slug__in=labels).values_list("slug", flat=True))
    report = ImportReport(skipped=parsed.skipped, labels=sorted(labels - framework))
    with transaction.atomic():
        for data, _where, files in prepared:
            if files:
                data = _with_stored_images(data, files)
            question = existing.get(data["key"])
            if question is not None and _unchanged(question, data):
                report.unchanged.append(data["key"])
                continue
            write_question(bank, locale, data, question=question, translation_key=translations.get(data["key"]))
            (report.created if question is None else report.updated).append(data["key"])
    return report


def _prepare(bank, questions, existing):
    """Normalised data with its key, for every question; FormatError at the first bad one."""
    bank_keys = set(Question.objects.filter(bank=bank).values_list("key", flat=True))
    prepared, seen, numbers = [], {}, {}
    for raw in questions:
        key = question_key(bank, raw, bank_keys)
        if key in seen:
            if raw.get("key"):
                raise FormatError(raw["where"], gettext("the id '%(id)s' is also used by the question at %(where)s")
                                  % {"id": raw["key"], "where": seen[key]})
            key = _numbered(key, seen, numbers)
        seen[key] = raw["where"]
        current = question_data(existing[key]) if key in existing else {}
        merged = {**current, **raw, "key": key}
        if raw.get("name") and raw["name"] == raw.get("key"):  # our export titles a nameless question by its key
            merged.pop("name", None)
        if raw.get("essay") is not None and current.get("essay"):  # a file without a rubric keeps ours
            merged["essay"] = {**current["essay"], **raw["essay"]}
        try:
            data = normalise(merged)
            _check_lengths(data)
        except QuestionDataError as error:
            reason = str(error)
            message = (gettext("question '%(name)s': %(reason)s") % {"name": raw["name"], "reason": reason}
                       if raw.get("name") else gettext("question: %(reason)s") % {"reason": reason})
            raise FormatError(raw["where"], message) from None
        prepared.append((data, raw["where"], raw.get("files") or {}))
    return prepared


# Images ---------------------------------------------------------------------------------------
# An embedded image becomes a Wagtail image (one per content: a file imported again finds it by
# its hash), shown in the stem by its rendition's URL, as lesson images are served; the export
# finds the image again by that URL and embeds it as Moodle does.

IMAGE_RENDITION = "width-960"  # as content/blocks/image_block.html


def _with_stored_images(data, files):
    urls = {name: _stored_image(name, content) for name, content in files.items()}

    def swap(text):
        return moodlefiles.REFERENCE.sub(lambda match: urls.get(unquote(match[1]), match[0]), text)

    return {**data, "stem": swap(data["stem"]), "explanation": swap(data["explanation"])}


def _stored_image(name, content):
    image_model = get_image_model()
    file_hash = hashlib.sha1(content).hexdigest()  # noqa: S324 - Wagtail's own file_hash is SHA-1
    image = image_model.objects.filter(file_hash=file_hash).first()
    if image is None:
        extension = moodlefiles.IMAGE_FORMATS[moodlefiles.image_format(content)]
        filename = name if PurePosixPath(name).suffix.lower() in (".png", ".jpg", ".jpeg", ".gif", ".webp") \
            else f"{name}.{extension}"
        image = image_model(title=name[:255], file=ImageFile(BytesIO(content), name=filename),
                            file_hash=file_hash, file_size=len(content))
        image.save()
    return image.get_rendition(IMAGE_RENDITION).url


def _image_url_pattern():
    return re.compile(re.escape(settings.MEDIA_URL) + r"images/[^\s\"'<>()]+")


def _with_embedded_images(questions):
    """Each question that shows stored images gets `files` ({name: bytes}) and its texts refer
    to them as `@@PLUGINFILE@@/name`. One query for the whole bank."""
    pattern = _image_url_pattern()
    urls = {url for q in questions for url in pattern.findall(q["stem"] + "\n" + q["explanation"])}
    if not urls:
        return questions
    rendition_model = get_image_model().get_rendition_model()
    paths = {url[len(settings.MEDIA_URL):]: url for url in urls}
    images = {}
    for rendition in rendition_model.objects.filter(file__in=list(paths)).select_related("image"):
        with rendition.image.open_file() as file:
            images[paths[rendition.file.name]] = (rendition.image.title, file.read())
    written = []
    for question in questions:
        (stem, explanation), files = moodlefiles.embed([question["stem"], question["explanation"]], images)
        written.append({**question, "stem": stem, "explanation": explanation, "files": files} if files else question)
    return written


def _check_lengths(data):
    if len(data["units"]) > UNITS_LENGTH:
        raise QuestionDataError(gettext("the units are longer than %(count)s characters") % {"count": UNITS_LENGTH})
    if any(len(answer["match"]) > MATCH_LENGTH for answer in data["answers"]):
        raise QuestionDataError(gettext("a match is longer than %(count)s characters") % {"count": MATCH_LENGTH})


def question_key(bank, raw, bank_keys):
    prefix = f"{bank.slug}-"
    explicit = _slug(raw.get("key") or "")
    if explicit and (explicit in bank_keys or explicit.startswith(prefix)):
        return explicit[:KEY_LENGTH]
    base = explicit or _slug(raw.get("name") or "") or f"q-{_hash(raw.get('stem') or '')}"
    return _fit(prefix + base)


def _slug(text):
    """An ASCII slug; text in other scripts (a Chinese title) adds a hash so it stays distinct."""
    slug = slugify(text)
    if any(ord(c) > 127 and c.isalnum() for c in text):
        slug = f"{slug}-{_hash(text)}".strip("-")
    return slug


def _hash(text):
    return hashlib.sha1(text.encode()).hexdigest()[:10]


def _fit(key):
    return key if len(key) <= KEY_LENGTH else f"{key[:KEY_LENGTH - 11].rstrip('-')}-{_hash(key)}"


def _numbered(key, seen, numbers):
    """Two questions with the same title: the second is `<key>-2`, and so on. `numbers` holds
    the next number to try for each key, so a file of one title repeated is not quadratic."""
    number = numbers.get(key, 2)
    while _fit(f"{key}-{number}") in seen:
        number += 1
    numbers[key] = number + 1
    return _fit(f"{key}-{number}")


def _refuse_keys_of_other_banks(bank, locale, prepared):
    where = {data["key"]: w for data, w, _ in prepared}
    clash = (Question.objects.filter(locale=locale, key__in=list(where)).exclude(bank=bank)
             .select_related("bank").first())
    if clash is not None:
        raise FormatError(where[clash.key], gettext("the key '%(key)s' already belongs to a question in the bank "
                                                    "'%(bank)s'") % {"key": clash.key, "bank": clash.bank.slug})


def _unchanged(question, data):
    try:
        current = normalise(question_data(question))
    except QuestionDataError:  # stored data the rules no longer accept: rewrite it
        return False
    return {**current, "skills": sorted(current["skills"])} == {**data, "skills": sorted(data["skills"])}


# Export -------------------------------------------------------------------------------------

def _questions(bank, locale):
    return (Question.objects.filter(bank=bank, locale=locale).order_by("key")
            .prefetch_related("answers", "tagged_items__tag"))


def question_data(question):
    """A stored question as question data, the shape `normalise` takes."""
    return {
        "key": question.key,
        "name": question.name,
        "type": question.question_type,
        "stem": question.stem,
        "explanation": question.explanation,
        "points": question.points,
        "difficulty": question.difficulty,
        "skills": sorted(item.tag.name for item in question.tagged_items.all()),
        "units": question.units,
        "calculation": question.calculation,
        "lab": question.lab,
        "essay": question.essay,
        "answers": [{name: answer.as_data()[name] for name in ANSWER_FIELDS} for answer in question.answers.all()],
    }


def bank_questions(bank, locale):
    return [question_data(q) for q in _questions(bank, locale)]


def export_bank(bank, locale, fmt) -> str:
    """The bank's questions in `locale` as GIFT or Moodle XML text (Moodle XML with its images)."""
    questions = bank_questions(bank, locale)
    if fmt == "moodlexml":
        questions = _with_embedded_images(questions)
    return WRITERS[fmt].dump(questions)


def unexportable(bank, locale, fmt):
    """(key, reason) for each question `export_bank` leaves out (as a comment in the file)."""
    reason = WRITERS[fmt].skip_reason
    return [(q["key"], reason(q)) for q in bank_questions(bank, locale) if reason(q)]


def export_notes(bank, locale, fmt):
    """(key, what the format leaves out) for each question `export_bank` writes only in part."""
    writer = WRITERS[fmt]
    return [(q["key"], writer.export_note(q)) for q in bank_questions(bank, locale)
            if not writer.skip_reason(q) and writer.export_note(q)]
