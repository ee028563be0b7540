"""People in a department tree, a certificate rule on the test course's quiz, and helpers to
give people certificates in any state."""

from datetime import date, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone, translation
from wagtail.users.models import UserProfile

from accounts.api import add_department
from accounts.groups import HR, INSTRUCTORS
from accounts.models import Department, EmployeeProfile
from certification.models import Certificate, CertificateRule
from tests.conftest import make_user
from tests.quizzes.conftest import make_quiz, quiz_setup  # noqa: F401

TODAY = date.today


@pytest.fixture
def departments(db):
    """运营部 (ops) ⊃ 用户运营组 (ops-users), 内容运营组 (ops-content); 销售部 (sales)."""
    ops = add_department("运营部", code="ops")
    add_department("用户运营组", code="ops-users", parent=ops)
    add_department("内容运营组", code="ops-content", parent=ops)  # sorts first: moves 用户运营组's path
    add_department("销售部", code="sales")
    return {d.code: d for d in Department.objects.all()}  # read afresh: paths as they are now


def make_employee(email, department, employee_id=None, **extra):
    user = make_user(email, **extra)
    EmployeeProfile.objects.create(user=user, department=department, employee_id=employee_id or email.split("@")[0])
    return get_user_model().objects.select_related("employee__department").get(pk=user.pk)


@pytest.fixture
def rule(quiz_setup):  # noqa: F811 (the imported fixture)
    return CertificateRule.objects.create(
        slug="module-1", title="模块一证书", title_en="Module One Certificate", exam=quiz_setup.quiz, validity_months=24
    )


@pytest.fixture
def course(quiz_setup):  # noqa: F811 (the imported fixture)
    return quiz_setup.tree.course


def give_certificate(user, rule, *, days_left=365, revoked=False):
    """A current certificate of `rule` with `days_left` until it expires (negative: expired)."""
    now = timezone.now()
    return Certificate.objects.create(
        user=user, rule=rule, holder_name=user.get_display_name(), achievement=rule.title,
        achievement_en=rule.title_en, issuer_name="Ops Academy", issued_at=now - timedelta(days=30),
        valid_until=now + timedelta(days=days_left), revoked_at=now if revoked else None,
    )


@pytest.fixture
def superuser(db):
    return get_user_model().objects.create_superuser("root", "root@example.com", "x-Long-passw0rd")


@pytest.fixture(autouse=True)
def _english():
    """Messages are asserted in English (the site's default language is zh-hans)."""
    with translation.override("en"):
        yield


@pytest.fixture
def hr(db):
    """An HR user whose admin speaks English."""
    user = make_user("hr@example.com", HR, display_name="HR Person")
    profile = UserProfile.get_for_user(user)
    profile.preferred_language = "en"
    profile.save()
    return user


@pytest.fixture
def instructor_user(db):
    return make_user("teacher@example.com", INSTRUCTORS)
