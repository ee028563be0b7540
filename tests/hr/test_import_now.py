"""After a clean dry run, "Import now" imports the same upload without a second upload: the
kept file is checked again, imported once, and only by the session that checked it. People it
creates are welcomed with a link to set their password."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from hr import pending_import
from tests.hr.conftest import make_employee
from tests.hr.test_people_import import ROWS, csv_file

User = get_user_model()


def dry_run(client, rows=ROWS):
    upload = SimpleUploadedFile("people.csv", csv_file(rows).getvalue(), content_type="text/csv")
    html = client.post("/admin/hr/people/import/", {"file": upload, "dry_run": "on"}).content.decode()
    found = re.search(r'name="import_token" value="([^"]+)"', html)
    return html, found and found.group(1)


@pytest.fixture
def hr_client(client, hr):
    client.force_login(hr)
    return client


def test_a_clean_dry_run_offers_import_now_which_imports_the_same_file_once(hr_client):
    html, token = dry_run(hr_client)
    assert 'data-form="import-now"' in html and token
    assert not User.objects.filter(email="li.lei@example.com").exists()
    html = hr_client.post("/admin/hr/people/import/", {"import_token": token}).content.decode()
    assert 'data-report="ok"' in html and "2 created" in html
    assert User.objects.filter(email__in=["li.lei@example.com", "han.mei@example.com"]).count() == 2
    assert not storages["private"].listdir(pending_import.FOLDER)[1]  # the kept file is gone

    response = hr_client.post("/admin/hr/people/import/", {"import_token": token}, follow=True)
    assert "upload it again" in response.content.decode()  # a second click imports nothing
    assert User.objects.count() == 3  # HR and the two


def test_a_dry_run_with_errors_offers_no_import(hr_client):
    html, token = dry_run(hr_client, [["E1", "bad", "", "", "ops", "", "", ""]])
    assert 'data-report="errors"' in html and token is None


def test_import_now_checks_again_and_refuses_what_changed_meanwhile(hr_client, departments):
    """Between the check and the import another employee took the email: nothing is written."""
    _html, token = dry_run(hr_client)
    make_employee("han.mei@example.com", departments["sales"], employee_id="X9")
    html = hr_client.post("/admin/hr/people/import/", {"import_token": token}).content.decode()
    assert 'data-report="errors"' in html and "Belongs to employee X9." in html
    assert not User.objects.filter(email="li.lei@example.com").exists()


def test_a_kept_file_is_only_imported_by_its_session_and_unaltered(hr_client, hr):
    _html, token = dry_run(hr_client)
    other = Client()
    other.force_login(hr)  # the same HR person in another session knows no kept file
    response = other.post("/admin/hr/people/import/", {"import_token": token}, follow=True)
    assert "upload it again" in response.content.decode() and not User.objects.filter(email="li.lei@example.com")

    name = hr_client.session[pending_import.SESSION_KEY]["name"]
    storage = storages["private"]
    storage.delete(name)
    storage.save(name, csv_file([["E9", "evil@example.com", "", "运营部", "", "", "", ""]]))
    response = hr_client.post("/admin/hr/people/import/", {"import_token": token}, follow=True)
    assert "upload it again" in response.content.decode()
    assert not User.objects.filter(email__in=["evil@example.com", "li.lei@example.com"]).exists()


def test_people_an_import_creates_are_welcomed_with_a_link_to_set_their_password(
        hr_client, django_capture_on_commit_callbacks):
    _html, token = dry_run(hr_client)
    with django_capture_on_commit_callbacks(execute=True):
        hr_client.post("/admin/hr/people/import/", {"import_token": token})
    by_address = {message.to[0]: message for message in mail.outbox}
    chinese, english = by_address["li.lei@example.com"], by_address["han.mei@example.com"]  # zh-hans, en
    assert chinese.subject == "欢迎加入运营学院" and "李雷，你好！" in chinese.body
    assert english.subject == "Welcome to Ops Academy" and "Hello 韩梅梅," in english.body
    link = re.search(r"https?://\S+/accounts/password/reset/key/\S+", english.body).group(0)
    path = "/" + link.split("/", 3)[3]
    assert path.startswith("/en/")
    browser = Client()
    response = browser.get(path, follow=True)  # allauth checks the key and asks for the new password
    assert response.status_code == 200 and 'name="password1"' in response.content.decode()

    mail.outbox.clear()  # importing the same people again (nothing to change: no Import now) welcomes nobody
    html, token = dry_run(hr_client)
    assert token is None and "2 unchanged" in html
    upload = SimpleUploadedFile("people.csv", csv_file(ROWS).getvalue(), content_type="text/csv")
    with django_capture_on_commit_callbacks(execute=True):
        hr_client.post("/admin/hr/people/import/", {"file": upload})
    assert mail.outbox == []
