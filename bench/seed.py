"""The benchmark's data: trainees with varied progress, their sessions and the minimal page.

Runs inside the benchmark process after `django.setup()`, against the fresh database. Rows are
written with `bulk_create` in batches (2,000 trainees and ~25,000 progress rows take seconds);
the password is hashed once and shared, since nobody logs in with it.
"""

import random
from dataclasses import dataclass
from importlib import import_module

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import translation
from wagtail.models import Site

from accounts.groups import TRAINEES
from bench.minimal.models import MinimalPage
from courses.models import CoursePage, Enrolment, LessonPage, LessonProgress

BATCH = 2000
EMAIL_DOMAIN = "bench.local"


@dataclass
class Trainee:
    pk: int
    name: str
    session_key: str = ""


@dataclass
class Seeded:
    trainees: int
    progress_rows: int
    lesson_urls: list  # the course's zh-hans lessons, in order
    minimal_url: str
    catalog_url: str


@transaction.atomic
def seed_trainees(count, *, rng_seed=1):
    """`count` trainees, all enrolled in the zh-hans course, each having finished the first
    0…all of its lessons (in order, so module locks hold as they would for a real learner)."""
    course = CoursePage.objects.live().get(locale__language_code=settings.LANGUAGE_CODE)
    lesson_keys = list(
        LessonPage.objects.live().descendant_of(course).order_by("path").values_list("translation_key", flat=True)
    )
    users = _create_trainees(count)
    Enrolment.objects.bulk_create(
        [Enrolment(user_id=u.pk, course_key=course.translation_key) for u in users], batch_size=BATCH
    )
    rng = random.Random(rng_seed)
    progress = [
        LessonProgress(user_id=u.pk, lesson_key=key)
        for u in users
        for key in lesson_keys[: rng.randint(0, len(lesson_keys))]
    ]
    LessonProgress.objects.bulk_create(progress, batch_size=BATCH)
    return [Trainee(u.pk, u.display_name) for u in users], len(progress)


def _create_trainees(count):
    """Users in the Trainees group with a verified address, as sign-up leaves them."""
    User = get_user_model()
    password = make_password("bench-not-a-secret")
    User.objects.bulk_create(
        [
            User(username=f"trainee{i:05d}", email=f"trainee{i:05d}@{EMAIL_DOMAIN}",
                 display_name=f"学员 {i:05d}", password=password)
            for i in range(count)
        ],
        batch_size=BATCH,
    )
    users = list(User.objects.filter(email__endswith=f"@{EMAIL_DOMAIN}").order_by("pk"))
    group = Group.objects.get(name=TRAINEES)
    User.groups.through.objects.bulk_create(
        [User.groups.through(user_id=u.pk, group_id=group.pk) for u in users], batch_size=BATCH
    )
    EmailAddress.objects.bulk_create(
        [EmailAddress(user_id=u.pk, email=u.email, verified=True, primary=True) for u in users],
        batch_size=BATCH,
    )
    return users


def create_minimal_page():
    """A title-only page directly under the default site's root (the zh-hans catalog)."""
    root = Site.objects.get(is_default_site=True).root_page
    return root.add_child(instance=MinimalPage(title="Minimal page", slug="bench-minimal"))


def log_in(trainees):
    """Give each trainee a session, as `django.contrib.auth.login` would; return them."""
    User = get_user_model()
    store = import_module(settings.SESSION_ENGINE).SessionStore
    users = User.objects.in_bulk([t.pk for t in trainees])
    for trainee in trainees:
        session = store()
        session[SESSION_KEY] = str(trainee.pk)
        session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
        session[HASH_SESSION_KEY] = users[trainee.pk].get_session_auth_hash()
        session.create()
        trainee.session_key = session.session_key
    return trainees


def seed(count):
    """Everything the load needs; returns the trainees (not yet logged in) and the URLs."""
    trainees, rows = seed_trainees(count)
    minimal = create_minimal_page()
    with translation.override(settings.LANGUAGE_CODE):
        course = CoursePage.objects.live().get(locale__language_code=settings.LANGUAGE_CODE)
        lessons = LessonPage.objects.live().descendant_of(course).order_by("path")
        seeded = Seeded(
            trainees=len(trainees),
            progress_rows=rows,
            lesson_urls=[lesson.get_url() for lesson in lessons],
            minimal_url=minimal.get_url(),
            catalog_url=course.get_parent().get_url(),
        )
    return trainees, seeded
