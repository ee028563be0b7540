"""An attempt's questions carry no index of their own on attempt or revision (migration 0015):
the unique (attempt, position) index finds an attempt's questions, and what the revision link
was for — nulled when a revision is deleted — still holds without one."""

from wagtail.models import Revision

from courses import api as courses_api
from quizzes import api
from quizzes.models import Attempt, AttemptQuestion
from tests.quizzes.conftest import indexes_of


def test_only_the_unique_position_index_leads_with_the_attempt_and_none_is_on_the_revision(db):
    indexed = indexes_of(AttemptQuestion)
    assert ("attempt_id", "position") in indexed
    assert ("attempt_id",) not in indexed and ("revision_id",) not in indexed
    assert ("question_id",) in indexed  # a question with attempts is protected from deletion


def test_deleting_a_revision_nulls_the_link_and_deleting_an_attempt_its_questions(quiz_setup, trainee):
    courses_api.enrol_learner(trainee, quiz_setup.tree.course)
    attempt = api.start_attempt(trainee, quiz_setup.quiz)
    asked = AttemptQuestion.objects.filter(attempt=attempt).first()
    revision = Revision.objects.get(pk=asked.revision_id)
    others = AttemptQuestion.objects.filter(attempt=attempt).exclude(revision=revision).count()
    revision.delete()
    asked.refresh_from_db()
    assert asked.revision_id is None and asked.spec["stem_html"]  # the frozen copy is what counts
    assert AttemptQuestion.objects.filter(attempt=attempt, revision__isnull=False).count() == others
    Attempt.objects.filter(pk=attempt.pk).delete()
    assert not AttemptQuestion.objects.filter(attempt_id=attempt.pk).exists()
