from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from certification import api
from certification.models import Certificate, CertificateRule, CertificateStatus, ReminderSent, RuleRequirement
from quizzes import api as quiz_api
from quizzes.grading import right_answer
from quizzes.models import AttemptQuestion, QuizDraw, QuizPage
from tests.certification.conftest import take_quiz


def test_passing_issues_one_certificate_and_mails_the_holder(enrolled, rule, django_capture_on_commit_callbacks):
    """The grading transaction issues it; the email goes out once it is committed."""
    with django_capture_on_commit_callbacks(execute=True):
        attempt = take_quiz(enrolled, rule.exam)
    certificate = Certificate.objects.get(user=enrolled)
    assert certificate.source_attempt == attempt and certificate.score == 100
    assert certificate.holder_name == "Trainee One" and certificate.achievement_en == "Module One Certificate"
    assert (certificate.valid_until - certificate.issued_at).days in range(729, 733)
    assert certificate.status == CertificateStatus.VALID
    assert len(certificate.public_id) >= 22 and certificate.code.startswith("OPS-")
    assert len(mail.outbox) == 1 and certificate.code in mail.outbox[0].body
    assert f"/verify/{certificate.public_id}/" in mail.outbox[0].body


def test_the_trigger_firing_again_issues_nothing_new(enrolled, rule):
    attempt = take_quiz(enrolled, rule.exam)
    assert api.issue_for_attempt(attempt) == []
    assert api.issue_for_attempt(attempt) == []
    assert Certificate.objects.filter(user=enrolled).count() == 1


def test_failing_issues_nothing(enrolled, rule):
    take_quiz(enrolled, rule.exam, right=False)
    assert not Certificate.objects.exists()


def test_passing_again_renews_and_keeps_the_history(client, enrolled, rule):
    """A new certificate; the old one superseded, still verifiable, linked in the history."""
    take_quiz(enrolled, rule.exam)
    old = Certificate.objects.get()
    take_quiz(enrolled, rule.exam)
    new = Certificate.objects.get(is_current=True)
    old.refresh_from_db()
    assert new.pk != old.pk and old.superseded_by == new
    assert old.status == CertificateStatus.SUPERSEDED and new.status == CertificateStatus.VALID
    html = client.get(f"/verify/{old.public_id}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Superseded" in html and new.code in html


def test_a_course_rule_waits_for_every_required_quiz(enrolled, quiz_setup, rule):
    """The course certificate needs the exam and every listed quiz."""
    module = quiz_setup.tree.modules[0]
    second = QuizPage(title="Exam", slug="exam", draws=[QuizDraw(bank=quiz_setup.bank, count=3)],
                      requires_lessons_complete=False)
    module.add_child(instance=second)
    second.save_revision().publish()
    course_rule = CertificateRule.objects.create(
        slug="course", title="运营专业认证", title_en="Certified Operations Professional", exam=second
    )
    RuleRequirement.objects.create(rule=course_rule, quiz=quiz_setup.quiz)
    take_quiz(enrolled, second)
    assert not Certificate.objects.filter(rule=course_rule).exists()
    take_quiz(enrolled, quiz_setup.quiz)
    assert Certificate.objects.filter(rule=course_rule, is_current=True).count() == 1
    assert Certificate.objects.filter(rule=rule, is_current=True).count() == 1


def test_status_follows_the_dates(enrolled, rule):
    take_quiz(enrolled, rule.exam)
    certificate = Certificate.objects.get()
    now = timezone.now()
    certificate.valid_until = now + timedelta(days=20)
    assert certificate.status_at(now) == CertificateStatus.EXPIRING
    certificate.valid_until = now - timedelta(seconds=1)
    assert certificate.status_at(now) == CertificateStatus.EXPIRED


def test_revocation_needs_a_reason_and_is_recorded(enrolled, hr_user, rule):
    take_quiz(enrolled, rule.exam)
    certificate = Certificate.objects.get()
    with pytest.raises(ValueError):
        api.revoke_certificate(certificate, by=hr_user, reason="  ")
    api.revoke_certificate(certificate, by=hr_user, reason="Exam misconduct")
    certificate.refresh_from_db()
    assert certificate.status == CertificateStatus.REVOKED and certificate.revoked_by == hr_user


def test_reminders_go_out_60_30_and_7_days_ahead_once_each(enrolled, rule, capsys):
    take_quiz(enrolled, rule.exam)
    certificate = Certificate.objects.get()
    now = timezone.now()
    Certificate.objects.filter(pk=certificate.pk).update(valid_until=now + timedelta(days=59))
    mail.outbox.clear()
    assert api.send_due_reminders(now=now) == 1
    assert api.send_due_reminders(now=now) == 0
    assert api.send_due_reminders(now=now + timedelta(days=30)) == 1   # 29 days left
    assert api.send_due_reminders(now=now + timedelta(days=53)) == 1   # 6 days left
    assert api.send_due_reminders(now=now + timedelta(days=54)) == 0
    assert sorted(ReminderSent.objects.values_list("days_before", flat=True)) == [7, 30, 60]
    assert len(mail.outbox) == 3 and "59" not in mail.outbox[0].subject
    call_command("send_certificate_reminders")
    assert "Sent 0 reminder(s)." in capsys.readouterr().out


def test_a_late_first_reminder_sends_only_the_nearest_one(enrolled, rule):
    take_quiz(enrolled, rule.exam)
    now = timezone.now()
    Certificate.objects.update(valid_until=now + timedelta(days=5))
    assert api.send_due_reminders(now=now) == 1
    assert list(ReminderSent.objects.values_list("days_before", flat=True)) == [7]


@pytest.mark.parametrize("passes_before", [1, 4])
def test_a_passing_submit_that_renews_a_certificate_does_not_grow_with_history(
    rule, enrolled, quiz_setup, passes_before, django_assert_num_queries
):
    """Grading and renewing the certificate cost the same queries however many certificates
    and attempts came before."""
    for _ in range(passes_before):
        take_quiz(enrolled, quiz_setup.quiz)
    attempt = quiz_api.start_attempt(enrolled, quiz_setup.quiz)
    for question in AttemptQuestion.objects.filter(attempt=attempt):
        quiz_api.save_answer(enrolled, attempt.pk, question.position, right_answer(question.spec))
    # savepoint, the attempt to grade, claim, its scored questions with their skills (none
    # here: no mastery to write); the module: its page, its completion (savepoint, already
    # there, release); the rules: ids, rules, requirements, the person's passes, the current
    # certificate; the certificate: savepoint, retire the old, insert the new, link them,
    # release; release
    with django_assert_num_queries(19):
        graded = quiz_api.submit_attempt(enrolled, attempt.pk)
    assert graded.passed
    assert Certificate.objects.get(user=enrolled, rule=rule, is_current=True).source_attempt_id == graded.pk
