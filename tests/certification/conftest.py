import pytest

from certification.models import CertificateRule
from courses import api as courses_api
from quizzes import api as quiz_api
from quizzes.grading import right_answer
from quizzes.models import AttemptQuestion
from tests.quizzes.conftest import make_quiz, quiz_setup  # noqa: F401


@pytest.fixture
def rule(quiz_setup):  # noqa: F811 (the imported fixture)
    return CertificateRule.objects.create(
        slug="module-1", title="模块一证书", title_en="Module One Certificate", exam=quiz_setup.quiz, validity_months=24
    )


def take_quiz(user, quiz, *, right=True):
    """Start, answer (all right or all blank) and submit; returns the graded attempt."""
    attempt = quiz_api.start_attempt(user, quiz)
    if right:
        for question in AttemptQuestion.objects.filter(attempt=attempt):
            quiz_api.save_answer(user, attempt.pk, question.position, right_answer(question.spec))
    return quiz_api.submit_attempt(user, attempt.pk)


@pytest.fixture
def enrolled(trainee, quiz_setup):  # noqa: F811 (the imported fixture)
    courses_api.enrol_learner(trainee, quiz_setup.tree.course)
    return trainee
