"""Moodle XML `essay` questions, read the way Moodle's qformat_xml::import_essay reads them and
written the way its writequestion writes them.

Moodle → ours: `attachments` (-1 is unlimited) → `attachments`, clamped to our most (5, so -1
becomes 5); `attachmentsrequired` → `attachments_required`; `graderinfo` → `grader_info` and
`responsetemplate` → `template`, HTML turned into Markdown as every other text. Moodle's
`responseformat`, `responserequired`, `responsefieldlines`, `minwordlimit`, `maxwordlimit`,
`maxbytes` and `filetypeslist` have no counterpart here and are not kept.

Moodle question XML has no rubric (Moodle grades an essay in points). We write ours into the
grader information, which Moodle keeps and shows graders as it is: the rubric's JSON in an
HTML comment (`<!-- ops-academy-rubric {…} -->`) that Moodle's HTML cleaning hides, then the
same rubric as a Markdown list a Moodle grader can read. On import the comment is the rubric
and everything from it on is dropped, so it comes back whether the file went straight from us
to us or through Moodle's import and export; an essay from anywhere else has no rubric and is
graded in points.
"""

import json
import re

from django.conf import settings
from django.utils.translation import gettext

from ..rubrics import MAX_ATTACHMENTS, maximum, minimum
from .common import FormatError, format_number, from_moodle
from .xmlparts import Skip, leaf, with_text

__all__ = ["read_essay", "write_essay"]

RUBRIC_MARK = "<!-- ops-academy-rubric "
RUBRIC_END = " -->"
# The files trainees may attach (quizzes.attachments.ACCEPT, kept equal by a test; that module
# works on attempts, which a file format has no business importing), as Moodle's filetypeslist.
FILE_TYPES = ".pdf,.xlsx,.png,.jpg,.jpeg"
_WHOLE = re.compile(r"[-+]?\d{1,9}")


def read_essay(document, element, text_format):
    allowed, clamped = _attachments(document, element)
    found = _whole(document, element, "attachmentsrequired")
    required = found[0] if found is not None else 0
    if required < 0:
        raise FormatError(document.where(found[1]), gettext("attachmentsrequired is a whole number from 0"))
    if required > allowed:
        most = (gettext("the %(count)s files a trainee may attach here") if clamped
                else gettext("attachments (%(count)s)")) % {"count": allowed}
        raise FormatError(document.where(found[1]), gettext("attachmentsrequired (%(required)s) is more than "
                                                             "%(most)s") % {"required": required, "most": most})
    notes, rubric = _grader_info(document, element, text_format)
    template = _markdown(*_text_of(element, "responsetemplate", text_format))
    essay = {"attachments": allowed, "attachments_required": required, "template": template, "grader_info": notes}
    if rubric is not None:
        essay["rubric"] = rubric
    return {"type": "essay", "answers": [], "essay": essay}


def _whole(document, element, tag):
    """(value, element) of a whole-number child; None when it is absent or empty (Moodle's default)."""
    found = element.find(tag)
    text = (found.text or "").strip() if found is not None else ""
    if not text:
        return None
    if not _WHOLE.fullmatch(text):
        raise FormatError(document.where(found), gettext("'%(text)s' is not a whole number") % {"text": text})
    return int(text), found


def _attachments(document, element):
    """Files allowed, and whether that is less than Moodle said: -1 (unlimited) and anything
    over our most become our most."""
    found = _whole(document, element, "attachments")
    if found is None:
        return 0, False
    value, child = found
    if value < -1:
        raise FormatError(document.where(child), gettext("attachments is -1 (unlimited) or a whole number from 0"))
    return (MAX_ATTACHMENTS, True) if value == -1 or value > MAX_ATTACHMENTS else (value, False)


def _text_of(element, tag, default_format):
    """The text of a `<tag format=…><text>` child and its format; an embedded file is skipped
    as in question texts."""
    found = element.find(tag)
    if found is None:
        return "", default_format
    text = found.findtext("text") or ""
    if found.find("file") is not None or "@@PLUGINFILE@@" in text:
        raise Skip(gettext("embedded files (images) are not supported"))
    return text, found.get("format", default_format)


def _markdown(text, text_format):
    """Only HTML is converted; other formats are kept exactly, white space included, since a
    template's last new line is where the answer box starts (Moodle trims, but writes nothing
    around a text, so only a hand-written file loses by not trimming)."""
    if text_format == "html":
        return from_moodle(text, "html", plain=False)
    return text if text.strip() else ""


def _grader_info(document, element, text_format):
    """The grader information and the rubric written into it (None when there is none)."""
    text, text_format = _text_of(element, "graderinfo", text_format)
    start = text.find(RUBRIC_MARK)
    if start < 0:
        return _markdown(text, text_format), None
    end = text.find(RUBRIC_END, start)
    try:
        rubric = json.loads(text[start + len(RUBRIC_MARK):end if end >= 0 else len(text)])
    except (ValueError, RecursionError):  # RecursionError: arrays nested thousands deep
        raise FormatError(document.where(element.find("graderinfo")),
                          gettext("the Ops Academy rubric in <graderinfo> is not valid JSON")) from None
    notes = text[:start]
    return _markdown(notes[:-2] if notes.endswith("\n\n") else notes, text_format), rubric


# Export -------------------------------------------------------------------------------------

def write_essay(element, question):
    """As qformat_xml::writequestion writes `essay`, with every field Moodle's import reads; the
    file size and types are ours when files may be attached, Moodle's defaults when not."""
    essay = question.get("essay") or {}
    allowed = essay.get("attachments", 0)
    for tag, value in (("responseformat", "editor"), ("responserequired", "1"), ("responsefieldlines", "15"),
                       ("minwordlimit", ""), ("maxwordlimit", ""), ("attachments", str(allowed)),
                       ("attachmentsrequired", str(essay.get("attachments_required", 0))),
                       ("maxbytes", str(settings.ESSAY_ATTACHMENT_MAX_BYTES if allowed else 0)),
                       ("filetypeslist", FILE_TYPES if allowed else "")):
        leaf(element, tag, value)
    with_text(element, "graderinfo", _grader_text(essay, question["points"]), format="markdown")
    with_text(element, "responsetemplate", essay.get("template", ""), format="markdown")


def _grader_text(essay, points):
    notes, rubric = essay.get("grader_info", ""), essay.get("rubric") or []
    if not rubric:
        return notes
    # No '<' or '>' in the JSON, so nothing in it can end the comment.
    data = json.dumps(rubric, ensure_ascii=False, separators=(",", ":"))
    data = data.replace("<", "\\u003c").replace(">", "\\u003e")
    parts = [notes] if notes else []
    parts += [f"{RUBRIC_MARK}{data}{RUBRIC_END}", _rubric_markdown(rubric, points)]
    return "\n\n".join(parts)


def _rubric_markdown(rubric, points):
    low, high = format_number(minimum(rubric)), format_number(maximum(rubric))
    lines = [f"**Rubric** (Ops Academy): mark = (points of the levels chosen − {low}) / ({high} − {low})"
             f" × {format_number(points)}", ""]
    for criterion in rubric:
        description = _one_line(criterion.get("description", ""))
        lines.append(f"- **{_one_line(criterion['title'])}**" + (f": {description}" if description else ""))
        for level in criterion["levels"]:
            about = _one_line(level.get("description", ""))
            lines.append(f"    - {format_number(level['points'])} points: {_one_line(level['title'])}"
                         + (f" — {about}" if about else ""))
    return "\n".join(lines)


def _one_line(text):
    return " ".join(str(text).split())
