from django.test import Client
from django.urls import reverse

from courses import api
from courses.models import Enrolment, LessonProgress
from courses.queries import course_outline, dashboard


def _complete(client, lesson, **data):
    return client.post(reverse("courses:complete_lesson", args=[lesson.pk]), data)


def test_enrolling_twice_keeps_one_enrolment(trainee_client, trainee, tree):
    """A second enrol request (or the same course in English) adds no enrolment."""
    url = reverse("courses:enrol", args=[tree.course.pk])
    assert trainee_client.post(url).status_code == 302
    assert trainee_client.post(url).status_code == 302
    trainee_client.post(reverse("courses:enrol", args=[tree.en(tree.course).pk]))
    assert Enrolment.objects.filter(user=trainee).count() == 1


def test_completing_a_lesson_moves_module_and_course_progress(trainee_client, trainee, tree):
    """One of three lessons done: the module shows 33%, the course one sixth."""
    api.enrol_learner(trainee, tree.course)
    response = _complete(trainee_client, tree.lessons[0][0], next="1")
    assert response.status_code == 302 and response["Location"] == tree.lessons[0][1].url
    outline = course_outline(tree.course, trainee)
    assert [card.progress.percent for card in outline["modules"]] == [33, 0]
    assert (outline["progress"].done, outline["progress"].total) == (1, 6)
    html = trainee_client.get(tree.modules[0].url).content.decode()
    assert 'value="33"' in html


def test_progress_is_shared_between_languages(trainee, tree):
    """A lesson completed in English counts on the Chinese pages too."""
    api.enrol_learner(trainee, tree.en(tree.course))
    api.complete_lesson(trainee, tree.en(tree.lessons[0][0]))
    assert course_outline(tree.course, trainee)["progress"].done == 1


def test_completing_twice_writes_one_row(trainee, tree):
    """Completing a lesson again changes nothing."""
    api.enrol_learner(trainee, tree.course)
    api.complete_lesson(trainee, tree.lessons[0][0])
    api.complete_lesson(trainee, tree.lessons[0][0])
    assert LessonProgress.objects.filter(user=trainee).count() == 1


def test_completing_without_enrolment_is_refused(trainee_client, trainee, tree):
    """Not enrolled: 403 with the reason, and no progress row."""
    response = _complete(trainee_client, tree.lessons[0][0])
    assert response.status_code == 403
    assert "Enrol" in response.content.decode() or "报名" in response.content.decode()
    assert not LessonProgress.objects.exists()


def test_locked_module_refuses_completion_until_prerequisite_is_done(trainee_client, trainee, tree):
    """Module 2 needs module 1: its lessons answer 403 until every module-1 lesson is done."""
    api.enrol_learner(trainee, tree.course)
    locked_lesson = tree.lessons[1][0]
    response = _complete(trainee_client, locked_lesson)
    assert response.status_code == 403
    assert tree.modules[0].title in response.content.decode()
    assert not LessonProgress.objects.filter(lesson_key=locked_lesson.translation_key).exists()
    page = trainee_client.get(tree.modules[1].url).content.decode()
    assert "notice--locked" in page
    for lesson in tree.lessons[0]:
        api.complete_lesson(trainee, lesson)
    assert _complete(trainee_client, locked_lesson).status_code == 302
    assert "notice--locked" not in trainee_client.get(tree.modules[1].url).content.decode()


def test_progress_post_without_csrf_token_is_refused(trainee, tree):
    """The complete and enrol forms need their CSRF token."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(trainee)
    assert client.post(reverse("courses:enrol", args=[tree.course.pk])).status_code == 403
    assert not Enrolment.objects.exists()


def test_anonymous_progress_post_goes_to_login(client, tree):
    """Anonymous visitors are sent to log in, nothing is written."""
    response = _complete(client, tree.lessons[0][0])
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert not LessonProgress.objects.exists()


def test_get_on_progress_urls_is_not_allowed(trainee_client, tree):
    """Progress only changes on POST."""
    assert trainee_client.get(reverse("courses:complete_lesson", args=[tree.lessons[0][0].pk])).status_code == 405


def test_unknown_or_draft_lesson_is_404(trainee_client, trainee, tree):
    """A lesson id that is not live is not found."""
    api.enrol_learner(trainee, tree.course)
    lesson = tree.lessons[0][0]
    lesson.unpublish()
    assert _complete(trainee_client, lesson).status_code == 404
    assert trainee_client.post(reverse("courses:complete_lesson", args=[999999])).status_code == 404


def test_dashboard_lists_own_courses_with_resume_link(trainee_client, trainee, other_trainee, tree):
    """The dashboard shows my course, my percentage and the next unfinished lesson."""
    api.enrol_learner(trainee, tree.course)
    api.complete_lesson(trainee, tree.lessons[0][0])
    api.enrol_learner(other_trainee, tree.course)
    for lesson in tree.lessons[0]:
        api.complete_lesson(other_trainee, lesson)
    [card] = dashboard(trainee)
    assert card.progress.percent == 17
    assert card.next_lesson.pk == tree.lessons[0][1].pk
    html = trainee_client.get(reverse("courses:dashboard")).content.decode()
    assert f'href="{tree.lessons[0][1].url}"' in html and 'value="17"' in html


def test_dashboard_speaks_the_url_language(trainee_client, trainee, tree):
    """/en/my-learning/ lists the English course title and links to English lessons."""
    api.enrol_learner(trainee, tree.course)
    html = trainee_client.get("/en/my-learning/").content.decode()
    assert "Operations Course" in html and tree.en(tree.lessons[0][0]).url in html


def test_dashboard_requires_login(client):
    response = client.get(reverse("courses:dashboard"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
