"""Files trainees attach to essays: adding, removing and reading them.

The same rules as `api.save_answer`: only the owner of an open attempt changes its files, and
another person's attempt is indistinguishable from none. What a file is gets decided by its
first bytes, never by its name or the browser's content type: PDF, PNG, JPEG, or an XLSX
workbook (a zip whose directory names the workbook's parts; nothing in it is inflated). A file
is stored under a random name with the extension of what it is; the name shown is the trainee's,
cleaned (`display_name`). Only its owner and graders download it (`file_for`), always as a
download (`attachment_views.download`).
"""

import re
import secrets
import unicodedata
import zipfile
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import F, prefetch_related_objects
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _

from . import api
from .models import Attempt, AttemptFile, AttemptQuestion, AttemptStatus

__all__ = [
    "FileTooLarge", "KINDS", "ACCEPT", "add_attachment", "remove_attachment", "file_for", "with_files",
    "listed", "takes_files", "sniff", "display_name", "max_bytes",
]


@dataclass(frozen=True)
class Kind:
    label: str
    extensions: tuple  # the first is the one a stored file gets
    content_type: str

    @property
    def extension(self):
        return self.extensions[0]


PDF = Kind("PDF", ("pdf",), "application/pdf")
XLSX = Kind("XLSX", ("xlsx",), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
PNG = Kind("PNG", ("png",), "image/png")
JPEG = Kind("JPEG", ("jpg", "jpeg"), "image/jpeg")
KINDS = (PDF, XLSX, PNG, JPEG)
# The file chooser's hint (`accept`); the server decides from the content all the same.
ACCEPT = ",".join(f".{extension}" for kind in KINDS for extension in kind.extensions)

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
ZIP_SIGNATURE = b"PK\x03\x04"
WORKBOOK_PARTS = {"[Content_Types].xml", "xl/workbook.xml"}
# An XLSX from Excel, LibreOffice or openpyxl has a few dozen parts and unpacks to a few times
# its size; more is not a workbook a grader should open (zip bombs announce themselves here).
MAX_WORKBOOK_MEMBERS = 1000
MAX_WORKBOOK_UNPACKED = 100 * 1024 * 1024
MAX_NAME = AttemptFile._meta.get_field("name").max_length
# Characters Windows refuses in file names; a download named with them is renamed by the browser.
RESERVED = re.compile(r'[<>:"|?*]')


class FileTooLarge(api.BadResponse):
    status = 413


def max_bytes():
    return settings.ESSAY_ATTACHMENT_MAX_BYTES


def too_large_message():
    return _("The file is larger than %(limit)s, the most a file may be.") % {"limit": filesizeformat(max_bytes())}


def accepted_message():
    return _("Only PDF, XLSX, PNG and JPEG files are accepted (what a file is gets read from its content, "
             "not its name).")


# Adding and removing ---------------------------------------------------------------------------

def add_attachment(user, attempt_id, position, uploaded_file, *, now=None) -> AttemptFile:
    """Attach `uploaded_file` to essay `position` of `user`'s open attempt: checked, stored under a
    random name and recorded in one transaction (a failed write leaves no file behind)."""
    now = now or timezone.now()
    attempt = _open_attempt(user, attempt_id, now)
    number = api.parse_position(position)
    question = AttemptQuestion.objects.filter(attempt=attempt, position=number).first() if number else None
    if question is None:
        raise api.BadResponse(_("That question is not part of this attempt.") if number else _("Unknown question."))
    if not takes_files(question.spec):
        raise api.BadResponse(_("This question takes no files."))
    if uploaded_file is None:
        raise api.BadResponse(_("Choose a file to attach."))
    if uploaded_file.size > max_bytes():
        raise FileTooLarge(too_large_message())
    if not uploaded_file.size:
        raise api.BadResponse(_("The file is empty."))
    kind = sniff(uploaded_file)
    record = AttemptFile(attempt_question=question, name=display_name(uploaded_file.name, kind),
                         size=uploaded_file.size, content_type=kind.content_type)
    stored = None
    try:
        with transaction.atomic():
            _lock_open(attempt)
            allowed = question.spec["essay"]["attachments"]
            if AttemptFile.objects.filter(attempt_question=question).count() >= allowed:
                raise api.BadResponse(_("This question takes at most %(count)s file(s); remove one first.")
                                      % {"count": allowed})
            record.file.save(f"{secrets.token_urlsafe(18)}.{kind.extension}", uploaded_file, save=False)
            stored = record.file.name
            record.save()
    except BaseException:
        if stored:  # the row was not written: neither is the file
            record.file.storage.delete(stored)
        raise
    return record


def remove_attachment(user, attempt_id, file_id, *, now=None) -> int:
    """Remove a file from `user`'s open attempt; returns its question's position. The stored file
    goes once the row's removal is committed."""
    now = now or timezone.now()
    attempt = _open_attempt(user, attempt_id, now)
    _check_file_id(file_id)
    with transaction.atomic():
        _lock_open(attempt)
        record = (AttemptFile.objects.filter(pk=file_id, attempt_question__attempt=attempt)
                  .annotate(position=F("attempt_question__position")).first())
        if record is None:
            raise api.AttemptNotFound(_("No such file."))
        stored, storage = record.file.name, record.file.storage
        record.delete()
        transaction.on_commit(lambda: storage.delete(stored))
    return record.position


def _open_attempt(user, attempt_id, now):
    """`user`'s attempt if it is still open; one whose time is up is submitted (as saving does)."""
    attempt = api.get_own_attempt(user, attempt_id)
    if not attempt.is_open:
        raise api.AttemptClosed(_("This attempt has been submitted; answers can no longer change."))
    if api.is_past_deadline(attempt, now):
        api.submit_attempt(user, attempt.pk, now=now, finished_by="deadline")
        raise api.AttemptClosed(_("Time is up: the attempt was submitted with the answers saved before the deadline."))
    return attempt


def _lock_open(attempt):
    """Hold the attempt row for the transaction (a submit, or another upload, waits) and make
    sure it is still open: the file count and the attempt's state cannot change underneath."""
    status = Attempt.objects.select_for_update().filter(pk=attempt.pk).values_list("status", flat=True).first()
    if status != AttemptStatus.IN_PROGRESS:
        raise api.AttemptClosed(_("This attempt has been submitted; answers can no longer change."))


def _check_file_id(file_id):
    if not isinstance(file_id, int) or not 1 <= file_id <= api.MAX_ID:
        raise api.AttemptNotFound(_("No such file."))


# What a file is ---------------------------------------------------------------------------------

def sniff(file) -> Kind:
    """The kind of `file` read from its first bytes (an XLSX also from its zip directory);
    BadResponse naming what is accepted for anything else."""
    file.seek(0)
    head = file.read(8)
    file.seek(0)
    if head.startswith(b"%PDF-"):
        return PDF
    if head == PNG_SIGNATURE:
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(ZIP_SIGNATURE):
        _check_workbook(file)
        return XLSX
    raise api.BadResponse(accepted_message())


def _check_workbook(file):
    """A zip is accepted only as an XLSX workbook, judged from its directory alone."""
    try:
        with zipfile.ZipFile(file) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError, OSError):
        raise api.BadResponse(_("This zip file is damaged. %(accepted)s") % {"accepted": accepted_message()}) from None
    finally:
        file.seek(0)
    names = {member.filename for member in members}
    if len(members) > MAX_WORKBOOK_MEMBERS or sum(m.file_size for m in members) > MAX_WORKBOOK_UNPACKED:
        raise api.BadResponse(_("This zip file is too large inside to be a workbook."))
    if any(member.flag_bits & 0x1 for member in members):
        raise api.BadResponse(_("Encrypted zip files are not accepted."))
    if not WORKBOOK_PARTS <= names:
        raise api.BadResponse(_("This zip file is not an XLSX workbook. %(accepted)s")
                              % {"accepted": accepted_message()})
    if any(name.lower().endswith("vbaproject.bin") for name in names):
        raise api.BadResponse(_("Workbooks with macros are not accepted; save it as an .xlsx workbook."))


def display_name(original, kind: Kind) -> str:
    """The name a file is listed and downloaded under: the last part of the trainee's name, with
    no control, format (bidi overrides, zero-width) or unassigned characters, nor characters
    Windows refuses; at most MAX_NAME characters, ending in the extension of what the file is.
    An extension of another accepted kind is replaced (a PNG named .pdf becomes .png); any
    other is kept and the right one added ("notes.txt" → "notes.txt.pdf")."""
    name = unicodedata.normalize("NFC", str(original or ""))
    name = re.split(r"[/\\]", name)[-1]
    name = "".join(" " if unicodedata.category(c).startswith("Z") else c
                   for c in name if not unicodedata.category(c).startswith("C"))
    name = " ".join(RESERVED.sub("_", name).split())
    stem, dot, suffix = name.rpartition(".")
    if dot and suffix.lower() in kind.extensions:
        extension = suffix.lower()
    elif dot and any(suffix.lower() in other.extensions for other in KINDS):
        extension = kind.extension
    else:
        stem, extension = name, kind.extension
    stem = stem[: MAX_NAME - len(extension) - 1].strip(" .") or "attachment"
    return f"{stem}.{extension}"


# Reading ------------------------------------------------------------------------------------------

def takes_files(spec):
    return spec["type"] == "essay" and bool(spec["essay"]["attachments"])


def with_files(questions):
    """`questions` as a list, the files of those that take them read in one query for all
    (none when no question takes files), so pages cost the same whatever they hold."""
    questions = list(questions)
    taking = [q for q in questions if takes_files(q.spec)]
    if taking:
        prefetch_related_objects(taking, "files")
    return questions


def listed(question):
    """The files of an attempt question, as templates show them."""
    if not takes_files(question.spec):
        return []
    return [{"id": f.pk, "name": f.name, "size": f.size} for f in question.files.all()]


def file_for(user, file_id) -> AttemptFile:
    """An attachment for its owner or a grader to download; for anyone else (HR, other
    trainees), or an id no file has, AttemptNotFound."""
    _check_file_id(file_id)
    record = (AttemptFile.objects.filter(pk=file_id)
              .annotate(owner_id=F("attempt_question__attempt__user_id")).first())
    if record is None or (record.owner_id != user.pk and not user.has_perm("quizzes.grade_attempt")):
        raise api.AttemptNotFound(_("No such file."))
    return record
