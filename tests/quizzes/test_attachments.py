"""Files attached to essays: only the owner of an open attempt adds or removes them, only to an
essay that takes files, within its count and the size limit; what a file is comes from its
content (PDF, XLSX, PNG, JPEG) and nothing else is kept; names are cleaned; a download goes to
the owner and graders only, always as a download that no browser renders."""

import io
import re
import shutil
import zipfile
from datetime import timedelta
from pathlib import Path

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from PIL import Image

from courses import api as courses_api
from quizzes import api, attachments, marking
from quizzes.models import AttemptFile, AttemptQuestion
from tests.conftest import HR, INSTRUCTORS, make_user

ESSAY = {"key": "plan", "type": "essay", "points": 10, "stem": "Write the plan; attach the budget.",
         "essay": {"attachments": 2, "attachments_required": 1}}
CHOICE = {"key": "warm-up", "type": "true_false", "stem": "A plan needs a goal.",
          "answers": [{"text": "true", "fraction": 1}, {"text": "false", "fraction": 0}]}
JSON = {"HTTP_ACCEPT": "application/json"}

# Tiny files of each accepted kind, made here.
PDF = b"%PDF-1.4\n1 0 obj <</Type /Catalog>> endobj\ntrailer <</Root 1 0 R>>\n%%EOF\n"


def image(kind):
    buffer = io.BytesIO()
    Image.new("RGB", (2, 2), "teal").save(buffer, kind)
    return buffer.getvalue()


def workbook():
    buffer = io.BytesIO()
    book = openpyxl.Workbook()
    book.active["A1"] = "budget"
    book.save(buffer)
    return buffer.getvalue()


def zipped(members, *, encrypted=False):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    data = bytearray(buffer.getvalue())
    if encrypted:  # set the "encrypted" bit of every header, as a password-protected zip has it
        for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
            for match in re.finditer(re.escape(signature), bytes(data)):
                data[match.start() + offset] |= 0x1
    return bytes(data)


WORKBOOK_PARTS = {"[Content_Types].xml": "<Types/>", "xl/workbook.xml": "<workbook/>"}


@pytest.fixture
def essay_quiz(practice_quiz, trainee):
    tree, quiz = practice_quiz(ESSAY, CHOICE)
    courses_api.enrol_learner(trainee, tree.course)
    return quiz


@pytest.fixture
def attempt(essay_quiz, trainee):
    return api.start_attempt(trainee, essay_quiz)


def position_of(attempt, kind="essay"):
    return next(q.position for q in attempt.questions.all() if q.spec["type"] == kind)


def upload(client, attempt, position, name, content, **headers):
    return client.post(reverse("quizzes:attachment_add", args=[attempt.pk]),
                       {"position": position, "file": SimpleUploadedFile(name, content)}, **headers)


PRIVATE = Path(AttemptFile._meta.get_field("file").storage.location)


@pytest.fixture(autouse=True)
def _empty_private_storage():
    """Attempt ids come back after each test's rollback; their files must not."""
    shutil.rmtree(PRIVATE / "attempts", ignore_errors=True)


@pytest.fixture(autouse=True)
def _in_english():
    with translation.override("en"):  # the site's own language is Chinese; these tests read English
        yield


def stored_files(attempt):
    """The files the private storage holds for `attempt`."""
    folder = PRIVATE / "attempts" / str(attempt.pk)
    return sorted(p.name for p in folder.rglob("*") if p.is_file())


# Accepted files -------------------------------------------------------------------------------

@pytest.mark.parametrize("name, content, content_type, shown", [
    ("budget.pdf", PDF, "application/pdf", "budget.pdf"),
    ("chart.png", image("PNG"), "image/png", "chart.png"),
    ("photo.JPEG", image("JPEG"), "image/jpeg", "photo.jpeg"),
    ("costs.xlsx", workbook(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "costs.xlsx"),
    # the content decides, never the name: a PNG named .pdf is a PNG, named and served as one
    ("scan.pdf", image("PNG"), "image/png", "scan.png"),
    ("notes.txt", PDF, "application/pdf", "notes.txt.pdf"),
])
def test_an_accepted_file_is_stored_privately_under_a_random_name_as_what_it_is(
        client, trainee, attempt, name, content, content_type, shown):
    client.force_login(trainee)
    response = upload(client, attempt, position_of(attempt), name, content, **JSON)
    assert response.status_code == 201, response.content
    record = AttemptFile.objects.get()
    assert (record.name, record.content_type, record.size) == (shown, content_type, len(content))
    extension = {"image/jpeg": "jpg"}.get(content_type, shown.rsplit(".", 1)[1])
    assert re.fullmatch(rf"attempts/{attempt.pk}/\d+/[\w-]{{24}}\.{extension}", record.file.name)
    with record.file.open("rb") as stored:
        assert stored.read() == content
    body = response.json()
    assert body["name"] == shown and body["url"] == reverse("quizzes:attachment", args=[record.pk])
    assert body["remove_url"] == reverse("quizzes:attachment_remove", args=[attempt.pk, record.pk])


# Refused files: nothing is stored -------------------------------------------------------------

@pytest.mark.parametrize("name, content, reason", [
    ("report.pdf", b"<!DOCTYPE html><html><script>alert(document.cookie)</script></html>",
     "Only PDF, XLSX, PNG and JPEG files are accepted"),
    ("logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect/></svg>', "Only PDF, XLSX"),
    ("logo.png", b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>', "Only PDF, XLSX"),
    ("run.exe", b"MZ\x90\x00\x03\x00\x00\x00", "Only PDF, XLSX"),
    ("empty.pdf", b"", "The file is empty"),
    ("archive.xlsx", zipped({"readme.txt": "not a workbook"}), "not an XLSX workbook"),
    ("half.xlsx", zipped(WORKBOOK_PARTS)[:40], "damaged"),
    ("locked.xlsx", zipped(WORKBOOK_PARTS, encrypted=True), "Encrypted"),
    ("macro.xlsx", zipped({**WORKBOOK_PARTS, "xl/vbaProject.bin": "\x00"}), "macros"),
    ("many.xlsx", zipped({**WORKBOOK_PARTS, **{f"xl/p{i}.xml": "" for i in range(1000)}}), "too large inside"),
], ids=lambda value: value if isinstance(value, str) and "." in value else "")  # named by file: zips hold times
def test_a_file_that_is_not_an_accepted_kind_is_refused_with_the_reason(client, trainee, attempt, name, content,
                                                                          reason):
    client.force_login(trainee)
    response = upload(client, attempt, position_of(attempt), name, content, **JSON)
    assert response.status_code == 400
    assert reason in response.json()["error"]
    assert not AttemptFile.objects.exists() and stored_files(attempt) == []


def test_a_workbook_that_unpacks_to_too_much_is_refused(client, trainee, attempt, monkeypatch):
    monkeypatch.setattr(attachments, "MAX_WORKBOOK_UNPACKED", 10_000)
    client.force_login(trainee)
    bomb = zipped({**WORKBOOK_PARTS, "xl/sharedStrings.xml": "0" * 20_000})
    response = upload(client, attempt, position_of(attempt), "bomb.xlsx", bomb, **JSON)
    assert response.status_code == 400 and "too large inside" in response.json()["error"]


def test_a_file_over_the_size_limit_is_refused_with_the_limit(client, trainee, attempt, settings):
    settings.ESSAY_ATTACHMENT_MAX_BYTES = 1000
    client.force_login(trainee)
    response = upload(client, attempt, position_of(attempt), "big.pdf", PDF + b"0" * 1000, **JSON)
    assert response.status_code == 413
    assert "larger than 1000" in response.json()["error"]
    assert not AttemptFile.objects.exists() and stored_files(attempt) == []


class Unreadable:
    """A request body that must not be read."""

    def read(self, *args):
        raise AssertionError("the upload's body was read")

    readline = read


def test_an_upload_whose_length_is_over_the_limit_is_refused_before_its_body_is_read(trainee, attempt):
    client = Client(enforce_csrf_checks=True)  # the CSRF middleware would read the body first
    client.force_login(trainee)
    response = client.generic("POST", reverse("quizzes:attachment_add", args=[attempt.pk]), b"",
                              "multipart/form-data; boundary=x", CONTENT_LENGTH=str(200 * 1024 * 1024),
                              **{"wsgi.input": Unreadable()}, **JSON)
    assert response.status_code == 413 and "larger than 10" in response.json()["error"]
    response = client.generic("POST", reverse("quizzes:attachment_add", args=[attempt.pk]), b"",
                              "multipart/form-data; boundary=x", CONTENT_LENGTH="1e9",
                              **{"wsgi.input": Unreadable()}, **JSON)
    assert response.status_code == 400 and "Content-Length" in response.json()["error"]


def test_a_malformed_upload_is_a_bad_request(client, trainee, attempt):
    client.force_login(trainee)
    response = client.generic("POST", reverse("quizzes:attachment_add", args=[attempt.pk]), b"--x\r\nnonsense",
                              "multipart/form-data", **JSON)  # no boundary
    assert response.status_code == 400
    assert not AttemptFile.objects.exists()


def test_an_upload_needs_the_csrf_token(trainee, attempt):
    client = Client(enforce_csrf_checks=True)
    client.force_login(trainee)
    response = upload(client, attempt, position_of(attempt), "budget.pdf", PDF, **JSON)
    assert response.status_code == 403
    assert not AttemptFile.objects.exists()


def test_no_more_files_than_the_essay_takes(client, trainee, attempt):
    client.force_login(trainee)
    position = position_of(attempt)
    assert upload(client, attempt, position, "a.pdf", PDF, **JSON).status_code == 201
    assert upload(client, attempt, position, "b.png", image("PNG"), **JSON).status_code == 201
    response = upload(client, attempt, position, "c.pdf", PDF, **JSON)
    assert response.status_code == 400 and "at most 2 file(s)" in response.json()["error"]
    assert AttemptFile.objects.count() == 2 and len(stored_files(attempt)) == 2


def test_only_an_essay_that_takes_files_takes_them(client, trainee, practice_quiz):
    tree, quiz = practice_quiz({**ESSAY, "essay": {}}, CHOICE)
    courses_api.enrol_learner(trainee, tree.course)
    attempt = api.start_attempt(trainee, quiz)
    client.force_login(trainee)
    for kind, reason in (("essay", "takes no files"), ("true_false", "takes no files")):
        response = upload(client, attempt, position_of(attempt, kind), "a.pdf", PDF, **JSON)
        assert response.status_code == 400 and reason in response.json()["error"]
    for position, reason in (("99", "not part of this attempt"), ("x", "Unknown question")):
        response = upload(client, attempt, position, "a.pdf", PDF, **JSON)
        assert response.status_code == 400 and reason in response.json()["error"]
    response = client.post(reverse("quizzes:attachment_add", args=[attempt.pk]), {"position": 1}, **JSON)
    assert response.status_code == 400
    assert not AttemptFile.objects.exists()


def test_someone_elses_attempt_is_not_found(client, attempt, other_trainee):
    client.force_login(other_trainee)
    response = upload(client, attempt, position_of(attempt), "a.pdf", PDF, **JSON)
    assert response.status_code == 404
    assert upload(client, attempt, position_of(attempt), "a.pdf", PDF).status_code == 404  # a form: the page
    assert not AttemptFile.objects.exists() and stored_files(attempt) == []


def test_a_submitted_attempt_takes_no_files_and_keeps_its_own(client, trainee, attempt):
    client.force_login(trainee)
    assert upload(client, attempt, position_of(attempt), "a.pdf", PDF, **JSON).status_code == 201
    record = AttemptFile.objects.get()
    api.submit_attempt(trainee, attempt.pk)
    response = upload(client, attempt, position_of(attempt), "b.pdf", PDF, **JSON)
    assert response.status_code == 409 and "submitted" in response.json()["error"]
    response = client.post(reverse("quizzes:attachment_remove", args=[attempt.pk, record.pk]), **JSON)
    assert response.status_code == 409
    assert AttemptFile.objects.count() == 1 and len(stored_files(attempt)) == 1


def test_an_upload_after_the_deadline_submits_the_attempt_instead(essay_quiz, trainee):
    essay_quiz.time_limit_minutes = 5
    essay_quiz.save()
    attempt = api.start_attempt(trainee, essay_quiz)
    late = attempt.deadline + api.grace() + timedelta(seconds=1)
    with pytest.raises(api.AttemptClosed, match="Time is up"):
        attachments.add_attachment(trainee, attempt.pk, position_of(attempt), SimpleUploadedFile("a.pdf", PDF),
                                   now=late)
    attempt.refresh_from_db()
    assert not attempt.is_open and attempt.finished_by == "deadline"
    assert not AttemptFile.objects.exists()


def test_a_failed_database_write_leaves_no_file_behind(trainee, attempt, monkeypatch):
    def fail(self, *args, **kwargs):
        raise DatabaseError("disk full")

    monkeypatch.setattr(AttemptFile, "save", fail)
    with pytest.raises(DatabaseError):
        attachments.add_attachment(trainee, attempt.pk, position_of(attempt), SimpleUploadedFile("a.pdf", PDF))
    assert stored_files(attempt) == []


# Names -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("original, shown", [
    ("../../etc/passwd.pdf", "passwd.pdf"),
    ("..\\..\\windows\\system32\\evil.pdf", "evil.pdf"),
    ("C:\\Users\\me\\My Report.pdf", "My Report.pdf"),
    ("invoice\u202egnp.pdf", "invoicegnp.pdf"),  # a right-to-left override would show "invoicefdp.png"
    ("x\u2066\u200b\u0000\u001b[31m.pdf", "x[31m.pdf"),
    ("a<b>:c|d?*\".pdf", "a_b__c_d___.pdf"),
    ("line\nbreak\ttab.pdf", "linebreaktab.pdf"),
    ("..", "attachment.pdf"),
    ("", "attachment.pdf"),
    ("   .pdf", "attachment.pdf"),
    ("季度 预算.PDF", "季度 预算.pdf"),
    ("photo.png", "photo.pdf"),  # named as another accepted kind: the name is corrected
    ("x" * 300 + ".pdf", "x" * 116 + ".pdf"),
])
def test_a_name_is_cleaned_and_ends_in_what_the_file_is(original, shown):
    name = attachments.display_name(original, attachments.PDF)
    assert name == shown and len(name) <= 120


def test_path_parts_and_bidi_overrides_never_reach_storage_or_the_list(client, trainee, attempt):
    """Names as a hostile client sends them, raw in the multipart body."""
    client.force_login(trainee)
    boundary = "Xy0"
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="position"\r\n\r\n{position_of(attempt)}\r\n']
    body = "".join(parts).encode() + (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="../../etc/pass\u202ewd.pdf"\r\n'
        f"Content-Type: text/html\r\n\r\n").encode() + PDF + f"\r\n--{boundary}--\r\n".encode()
    response = client.post(reverse("quizzes:attachment_add", args=[attempt.pk]), body,
                           content_type=f"multipart/form-data; boundary={boundary}", **JSON)
    assert response.status_code == 201, response.content
    record = AttemptFile.objects.get()
    assert record.name == "passwd.pdf" and record.content_type == "application/pdf"
    assert ".." not in record.file.name and record.file.name.startswith(f"attempts/{attempt.pk}/")
    assert (PRIVATE / record.file.name).is_file()


# Removing ---------------------------------------------------------------------------------------

def test_the_owner_removes_a_file_and_its_stored_copy_goes(client, trainee, attempt,
                                                           django_capture_on_commit_callbacks):
    client.force_login(trainee)
    upload(client, attempt, position_of(attempt), "a.pdf", PDF, **JSON)
    record = AttemptFile.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("quizzes:attachment_remove", args=[attempt.pk, record.pk]), **JSON)
    assert response.status_code == 200 and response.json() == {"removed": record.pk,
                                                                "position": position_of(attempt)}
    assert not AttemptFile.objects.exists() and stored_files(attempt) == []
    assert client.post(reverse("quizzes:attachment_remove", args=[attempt.pk, record.pk]), **JSON).status_code == 404


def test_nobody_else_removes_a_file(client, trainee, other_trainee, attempt, essay_quiz):
    client.force_login(trainee)
    upload(client, attempt, position_of(attempt), "a.pdf", PDF, **JSON)
    record = AttemptFile.objects.get()
    client.force_login(other_trainee)
    assert client.post(reverse("quizzes:attachment_remove", args=[attempt.pk, record.pk]), **JSON).status_code == 404
    # nor through their own attempt's address
    courses_api.enrol_learner(other_trainee, essay_quiz.get_parent().get_parent().specific)
    theirs = api.start_attempt(other_trainee, essay_quiz)
    assert client.post(reverse("quizzes:attachment_remove", args=[theirs.pk, record.pk]), **JSON).status_code == 404
    assert AttemptFile.objects.count() == 1


# Without JavaScript ------------------------------------------------------------------------------

def test_a_plain_form_upload_returns_to_the_attempt_which_lists_the_file(client, trainee, attempt):
    client.force_login(trainee)
    position = position_of(attempt)
    response = upload(client, attempt, position, "季度预算.pdf", PDF)
    assert response.status_code == 302
    assert response["Location"] == reverse("quizzes:attempt", args=[attempt.pk]) + f"#essay-{position}"
    page = client.get(response["Location"]).content.decode()
    record = AttemptFile.objects.get()
    assert "季度预算.pdf" in page and reverse("quizzes:attachment", args=[record.pk]) in page
    assert reverse("quizzes:attachment_remove", args=[attempt.pk, record.pk]) in page

    response = upload(client, attempt, position, "page.pdf", b"<html></html>", follow=True)
    assert response.status_code == 200
    assert "Only PDF, XLSX, PNG and JPEG files are accepted" in response.content.decode()

    response = client.post(reverse("quizzes:attachment_remove", args=[attempt.pk, record.pk]))
    assert response.status_code == 302 and not AttemptFile.objects.exists()


# The attempt and result pages --------------------------------------------------------------------

def test_the_attempt_page_states_the_limits_and_what_is_still_needed(client, trainee, attempt, settings):
    settings.ESSAY_ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024
    client.force_login(trainee)
    url = reverse("quizzes:attempt", args=[attempt.pk])
    position = position_of(attempt)
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    essay = page[page.index(f'id="essay-{position}"'):]
    assert "PDF, XLSX, PNG or JPEG, up to 10.0\xa0MB each; at most 2 files." in essay
    assert re.search(r"data-files-needed>This answer needs 1 file\.", essay)  # shown: none attached yet
    assert f'form="files-{position}"' in essay and f'<form id="files-{position}"' in page
    # the file forms come after the answers' form, never inside it
    assert page.index("</form>", page.index("data-attempt-form")) < page.index(f'<form id="files-{position}"')

    upload(client, attempt, position, "a.pdf", PDF, **JSON)
    essay = client.get(url).content.decode()
    assert "data-files-needed hidden" in essay and "data-file-add hidden" not in essay
    upload(client, attempt, position, "b.pdf", PDF, **JSON)
    assert "data-file-add hidden" in client.get(url).content.decode()  # the most it takes


def test_the_result_lists_the_files_as_downloads(client, trainee, attempt):
    client.force_login(trainee)
    upload(client, attempt, position_of(attempt), "budget.xlsx", workbook(), **JSON)
    api.submit_attempt(trainee, attempt.pk)
    essay = AttemptQuestion.objects.get(attempt=attempt, manual=True)
    marking.grade_essay(make_user("teacher@example.com", INSTRUCTORS), essay.pk, {"points": 8})
    page = client.get(reverse("quizzes:result", args=[attempt.pk])).content.decode()
    record = AttemptFile.objects.get()
    assert f'<a href="{reverse("quizzes:attachment", args=[record.pk])}">budget.xlsx</a>' in page


@pytest.mark.parametrize("essays, files", [(1, 1), (3, 2)])
def test_attempt_page_queries_do_not_grow_with_files_or_questions(client, trainee, practice_quiz, essays, files,
                                                                  django_assert_num_queries):
    questions = [{**ESSAY, "key": f"plan-{n}"} for n in range(essays)]
    tree, quiz = practice_quiz(*questions, CHOICE)
    courses_api.enrol_learner(trainee, tree.course)
    attempt = api.start_attempt(trainee, quiz)
    for question in attempt.questions.filter(manual=True):
        for n in range(files):
            attachments.add_attachment(trainee, attempt.pk, question.position, SimpleUploadedFile(f"{n}.pdf", PDF))
    client.force_login(trainee)
    url = reverse("quizzes:attempt", args=[attempt.pk])
    client.get(url)
    # session, user, the attempt with its quiz, its questions, every essay's files in one query
    with django_assert_num_queries(5):
        page = client.get(url).content.decode()
    assert page.count("data-file>") == essays * files


# Downloading -------------------------------------------------------------------------------------

@pytest.fixture
def stored(client, trainee, attempt):
    client.force_login(trainee)
    upload(client, attempt, position_of(attempt), "季度预算.pdf", PDF, **JSON)
    client.logout()
    return AttemptFile.objects.get()


def test_the_owner_downloads_a_file_as_an_attachment_that_no_browser_renders(client, trainee, stored):
    client.force_login(trainee)
    response = client.get(reverse("quizzes:attachment", args=[stored.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    # RFC 5987 for the Chinese name
    assert response["Content-Disposition"] == "attachment; filename*=utf-8''%E5%AD%A3%E5%BA%A6%E9%A2%84%E7%AE%97.pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"].split("; ")
    assert response["Cache-Control"] == "private, no-store"


def test_a_png_named_pdf_downloads_as_a_png(client, trainee, attempt):
    client.force_login(trainee)
    upload(client, attempt, position_of(attempt), "report.pdf", image("PNG"), **JSON)
    response = client.get(reverse("quizzes:attachment", args=[AttemptFile.objects.get().pk]))
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"] == 'attachment; filename="report.png"'


def test_a_grader_downloads_the_file_hr_and_other_trainees_do_not(client, stored, other_trainee):
    client.force_login(make_user("teacher@example.com", INSTRUCTORS))
    assert client.get(reverse("quizzes:attachment", args=[stored.pk])).status_code == 200
    for person in (other_trainee, make_user("hr2@example.com", HR)):
        client.force_login(person)
        assert client.get(reverse("quizzes:attachment", args=[stored.pk])).status_code == 404
    client.logout()
    response = client.get(reverse("quizzes:attachment", args=[stored.pk]))
    assert response.status_code == 302 and "login" in response["Location"]


def test_a_file_missing_from_storage_or_an_impossible_id_is_not_found(client, trainee, stored):
    client.force_login(trainee)
    assert client.get(reverse("quizzes:attachment", args=[2**63])).status_code == 404
    stored.file.storage.delete(stored.file.name)
    assert client.get(reverse("quizzes:attachment", args=[stored.pk])).status_code == 404


def test_a_deadline_not_yet_passed_still_takes_files(essay_quiz, trainee):
    """The deadline check does not refuse an attempt still inside its time."""
    essay_quiz.time_limit_minutes = 5
    essay_quiz.save()
    attempt = api.start_attempt(trainee, essay_quiz)
    record = attachments.add_attachment(trainee, attempt.pk, position_of(attempt), SimpleUploadedFile("a.pdf", PDF),
                                        now=timezone.now())
    assert record.pk
