"""Background tasks under the database backend and its worker (django-tasks-db), as production
runs them: a task whose worker died is not run again by itself, and a task run again (put back
in the queue by hand, docs/deploy.md) sends no second mail and writes no second PDF."""

import io

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command
from django_tasks import TaskResultStatus
from django_tasks_db.management.commands import db_worker
from django_tasks_db.models import DBTaskResult

from certification import tasks as certification_tasks
from certification.models import Certificate
from hr import tasks as hr_tasks
from quizzes import tasks as quiz_tasks
from tests.certification.conftest import enrolled, rule, take_quiz  # noqa: F401
from tests.quizzes.conftest import make_quiz, quiz_setup  # noqa: F401


@pytest.fixture
def db_tasks(settings, monkeypatch):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.CERTIFICATE_PDF_PRERENDER = True
    # The worker closes stale connections between tasks; inside the test's transaction that
    # would close the test's own connection.
    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)


def work():
    """One worker runs every ready task, then stops (`db_worker --batch`)."""
    call_command("db_worker", "--batch", "--no-startup-delay", "--interval", "0", "--worker-id", "w1",
                 stdout=io.StringIO(), stderr=io.StringIO())


def requeue(results):
    DBTaskResult.objects.filter(pk__in=[r.pk for r in results]).update(status=TaskResultStatus.READY)


@pytest.fixture
def issued(db_tasks, enrolled, rule, django_capture_on_commit_callbacks):  # noqa: F811
    """A certificate issued by a passing submit: its PDF and its mail are queued, not yet run."""
    with django_capture_on_commit_callbacks(execute=True):
        take_quiz(enrolled, rule.exam)
    return Certificate.objects.get(user=enrolled)


def test_a_task_whose_worker_died_stays_running_until_requeued(issued, mailoutbox):
    """django-tasks-db has no lease: a task claimed by a worker that then died is never run by
    another worker; put back in the queue, it runs once."""
    mail = DBTaskResult.objects.get(task_path__endswith="send_certificate_issued")
    mail.claim("dead-worker")  # the worker was killed right after claiming it
    work()
    mail.refresh_from_db()
    assert mail.status == TaskResultStatus.RUNNING and mailoutbox == []
    requeue([mail])
    work()
    mail.refresh_from_db()
    assert mail.status == TaskResultStatus.SUCCESSFUL and len(mailoutbox) == 1


def test_a_mail_task_run_again_sends_nothing_more(issued, mailoutbox):
    """A worker killed after the mail left but before recording success: the task run again
    finds the mail sent."""
    work()
    assert len(mailoutbox) == 1
    requeue(DBTaskResult.objects.all())
    work()
    assert len(mailoutbox) == 1
    assert set(DBTaskResult.objects.values_list("status", flat=True)) == {TaskResultStatus.SUCCESSFUL}


def test_a_pdf_task_run_again_writes_no_second_file(issued):
    """The PDF is rendered once: run again, the task keeps the stored file and adds none."""
    work()
    issued.refresh_from_db()
    name = issued.pdf_file.name
    assert name and default_storage.exists(name)
    requeue(DBTaskResult.objects.all())
    work()
    issued.refresh_from_db()
    folder = name.rsplit("/", 1)[0] if "/" in name else ""
    assert issued.pdf_file.name == name
    assert default_storage.listdir(folder)[1] == [name.rsplit("/", 1)[-1]]


@pytest.mark.parametrize("task", [
    certification_tasks.send_certificate_issued, certification_tasks.send_expiry_reminder,
    certification_tasks.render_certificate_pdf_file, quiz_tasks.send_attempt_graded,
    hr_tasks.send_course_assigned, hr_tasks.send_due_reminder, hr_tasks.send_welcome,
], ids=lambda task: task.name)
def test_every_mail_and_pdf_task_runs_once_per_enqueue(task):
    """Each task is wrapped so that a second run of the same enqueued task does nothing."""
    assert task.takes_context and task.func.__wrapped__.__name__ == task.name
