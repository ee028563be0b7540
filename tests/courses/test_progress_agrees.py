"""A progress bar and "done" say the same thing: a module's bar counts the steps to completing it
(its lessons, and its quiz when the quiz completes it), so it is full exactly when the module is
done; the course's bar adds its modules' up, on the course page, the dashboard and the catalog."""

import re

import pytest
from django.urls import reverse
from django.utils import translation

from courses import api
from courses.models import CompletionRule


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def assessed(tree):
    """Module 1 is completed by its quiz (its three lessons are reading)."""
    for module in (tree.modules[0], tree.en(tree.modules[0])):
        module.completion_rule = CompletionRule.ASSESSMENT
        module.save_revision().publish()
    return tree


def labels(html):
    return re.findall(r'class="progress__label">([^<]+)<', html)


def test_a_module_passed_by_its_quiz_shows_a_full_bar_whatever_was_read(trainee_client, trainee, assessed):
    tree = assessed
    api.enrol_learner(trainee, tree.course)
    api.complete_lesson(trainee, tree.lessons[0][0])
    api.complete_module(trainee, tree.modules[0])  # what passing its quiz records
    course = trainee_client.get(tree.en(tree.course).url).content.decode()
    # the course (4 + 3 steps), then module 1 (done: 4 of 4), then module 2 (0 of 3 lessons)
    assert labels(course) == ["4 of 7 steps · 57%", "4 of 4 steps · 100%", "0 of 3 lessons · 0%"]
    assert "✓ Done</span>" in course
    module = trainee_client.get(tree.en(tree.modules[0]).url).content.decode()
    assert labels(module) == ["4 of 4 steps · 100%"]
    assert labels(trainee_client.get("/en/my-learning/").content.decode()) == ["4 of 7 steps · 57%"]
    assert labels(trainee_client.get(tree.en(tree.course).get_parent().url).content.decode()) == ["4 of 7 steps · 57%"]


def test_reading_every_lesson_leaves_the_quiz_step_to_do(trainee_client, trainee, assessed):
    tree = assessed
    api.enrol_learner(trainee, tree.course)
    for lesson in tree.lessons[0]:
        api.complete_lesson(trainee, lesson)
    html = trainee_client.get(tree.en(tree.modules[0]).url).content.decode()
    assert labels(html) == ["3 of 4 steps · 75%"]
    assert "progress--done" not in html


def test_the_course_resumes_past_a_module_its_quiz_completed(trainee_client, trainee, assessed):
    """The unread lessons of a passed module do not hold the Resume button back."""
    tree = assessed
    api.enrol_learner(trainee, tree.course)
    api.complete_module(trainee, tree.modules[0])
    html = trainee_client.get(tree.en(tree.course).url).content.decode()
    first = tree.en(tree.lessons[1][0])
    assert f'href="{first.url}">Resume: {first.title}</a>' in html


def test_enrolling_says_so(trainee_client, tree):
    response = trainee_client.post(reverse("courses:enrol", args=[tree.en(tree.course).pk]), follow=True)
    html = response.content.decode()
    assert 'class="message message--success" role="status">You are enrolled in “Operations Course”.' in html


def test_a_locked_module_shows_a_lock_and_says_locked(trainee_client, trainee, tree):
    """A drawn padlock (not a box that reads as an empty checkbox) and the word for screen readers."""
    api.enrol_learner(trainee, tree.course)
    for page in (tree.course, tree.modules[1], tree.lessons[1][0]):
        url = tree.en(page).url
        html = trainee_client.get(url).content.decode()
        assert '<svg class="icon-lock"' in html and '<span class="visually-hidden">Locked: </span>' in html, url
