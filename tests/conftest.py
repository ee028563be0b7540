import os
import textwrap
from dataclasses import dataclass

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.test import override_settings
from wagtail.signal_handlers import disable_reference_index_auto_update

from accounts.groups import HR, INSTRUCTORS, TRAINEES
from courses.curriculum import load_curriculum
from courses.models import CoursePage, LessonPage, ModulePage
from tests.snapshots import Snapshots

# Playwright's sync API runs an event loop in the test thread; the ORM calls our browser
# tests make between page actions are still plain synchronous code.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

PASSWORD = "a-Long-test-passw0rd"


@pytest.fixture(autouse=True)
def _clear_cache():
    """Rate limits and the anonymous page cache live in the cache: start each test clean."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _media_in_a_temporary_folder(settings, tmp_path_factory):
    """Uploaded and generated files (certificate PDFs) never land in the checkout."""
    settings.MEDIA_ROOT = tmp_path_factory.mktemp("media")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Debian's Chromium (never a downloaded one); session-scoped like pytest-playwright's."""
    return {
        **browser_type_launch_args,
        "executable_path": "/usr/bin/chromium",
        "args": ["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
    }


def write_curriculum(folder, modules=2, lessons=3, prerequisite=True):
    """A small curriculum in the real file format: `modules` × `lessons`, both languages."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "course.yaml").write_text(textwrap.dedent("""\
        slug: ops
        title: {zh-hans: 运营课程, en: Operations Course}
        summary: {zh-hans: 简介, en: Summary}
        introduction: {zh-hans: 课程介绍, en: Course introduction}
        """), encoding="utf-8")
    for m in range(1, modules + 1):
        module_dir = folder / f"{m:02d}-module-{m}"
        module_dir.mkdir()
        prereq = f"module-{m - 1}" if prerequisite and m > 1 else "null"
        (module_dir / "module.yaml").write_text(textwrap.dedent(f"""\
            slug: module-{m}
            estimated_minutes: 30
            prerequisite: {prereq}
            title: {{zh-hans: 模块{m}, en: Module {m}}}
            introduction: {{zh-hans: 模块介绍, en: Module introduction}}
            objectives: {{zh-hans: [目标], en: [Objective]}}
            """), encoding="utf-8")
        for n in range(1, lessons + 1):
            for lang, title in (("zh-hans", f"课{m}-{n}"), ("en", f"Lesson {m}-{n}")):
                (module_dir / f"{n:02d}-lesson-{m}-{n}.{lang}.md").write_text(textwrap.dedent(f"""\
                    ---
                    slug: lesson-{m}-{n}
                    title: {title}
                    summary: S
                    estimated_minutes: 10
                    ---
                    ## {title}

                    Body of {title}.

                    :::tip Tip
                    A tip.
                    :::

                    :::keypoints
                    - point
                    :::
                    """), encoding="utf-8")
    return folder


@dataclass
class Tree:
    """The loaded test curriculum, zh-hans pages (and their en translations)."""

    course: CoursePage
    modules: list
    lessons: list  # per module, list of lessons

    def en(self, page):
        return page.get_translation(page.locale.__class__.objects.get(language_code="en")).specific


UNINDEXED = {"default": {"BACKEND": "wagtail.search.backends.database", "AUTO_UPDATE": False}}


@pytest.fixture(scope="session")
def snapshots():
    return Snapshots()


@pytest.fixture
def make_tree(db, tmp_path, snapshots):
    def build(modules, lessons, prerequisite):
        folder = write_curriculum(tmp_path / f"c{modules}x{lessons}", modules, lessons, prerequisite)
        # Nearly every test builds this tree and none searches it or reads its references:
        # skipping the two indexes saves a fifth of the build (tests of those build their own pages).
        with disable_reference_index_auto_update(), override_settings(WAGTAILSEARCH_BACKENDS=UNINDEXED):
            load_curriculum(folder)

    def make(modules=2, lessons=3, prerequisite=True):
        snapshots.build(("tree", modules, lessons, prerequisite), lambda: build(modules, lessons, prerequisite))
        return read_tree()

    return make


def read_tree():
    course = CoursePage.objects.get(slug="ops", locale__language_code="zh-hans")
    module_pages = list(ModulePage.objects.child_of(course).order_by("path"))
    return Tree(
        course=course,
        modules=module_pages,
        lessons=[list(LessonPage.objects.child_of(m).order_by("path")) for m in module_pages],
    )


@pytest.fixture
def tree(make_tree):
    return make_tree()


def make_user(email, group=TRAINEES, **extra):
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create_user(
        username=email.split("@")[0], email=email, password=PASSWORD, **extra
    )
    user.groups.add(Group.objects.get(name=group))
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    # Test users read the Wagtail admin in English (the site's default is Chinese), so that
    # admin tests can assert its messages; learner pages follow their URL's language.
    from wagtail.users.models import UserProfile

    UserProfile.objects.update_or_create(user=user, defaults={"preferred_language": "en"})
    return user


@pytest.fixture
def trainee(db):
    return make_user("trainee@example.com", display_name="Trainee One")


@pytest.fixture
def other_trainee(db):
    return make_user("other@example.com")


@pytest.fixture
def instructor(db):
    return make_user("instructor@example.com", INSTRUCTORS)


@pytest.fixture
def hr_user(db):
    return make_user("hr@example.com", HR)


@pytest.fixture
def trainee_client(client, trainee):
    client.force_login(trainee)
    return client
