"""Submitting an attempt: the confirm step that lists unanswered questions, attempt pages the
browser must not keep, and the result page's next steps."""

import pytest
from django.urls import reverse
from django.utils import translation

from certification.models import CertificateRule
from courses import api as courses_api
from quizzes import api
from quizzes.grading import right_answer
from quizzes.models import Attempt, AttemptQuestion
from quizzes.views import _describe


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def attempt(client, trainee, quiz_setup):
    courses_api.enrol_learner(trainee, quiz_setup.tree.course)
    client.force_login(trainee)
    client.post(reverse("quizzes:start", args=[quiz_setup.quiz.pk]))
    return Attempt.objects.get(user=trainee)


def answer(user, attempt, right=True, skip=()):
    for question in AttemptQuestion.objects.filter(attempt=attempt).exclude(position__in=skip):
        response = right_answer(question.spec) if right else None
        if response is not None:
            api.save_answer(user, attempt.pk, question.position, response)


def test_without_a_script_submit_first_saves_and_lists_the_unanswered_questions(client, trainee, attempt):
    """The form posts to the confirm step: what it carries is saved, the attempt stays open, and
    the page names each unanswered question (with a link to it) above a real submit button."""
    single = AttemptQuestion.objects.get(attempt=attempt, spec__type="true_false")
    token = right_answer(single.spec)
    response = client.post(reverse("quizzes:confirm", args=[attempt.pk]), {f"q{single.position}": token})
    assert response.status_code == 302 and response["Location"] == reverse("quizzes:confirm", args=[attempt.pk])
    single.refresh_from_db()
    assert single.response == token
    page = client.get(response["Location"])
    html = page.content.decode()
    others = sorted(set(AttemptQuestion.objects.filter(attempt=attempt).values_list("position", flat=True))
                    - {single.position})
    assert f"{len(others)} questions are not answered" in html
    for position in others:
        assert f'#q{position}">Question {position}</a>' in html
    assert f'#q{single.position}"' not in html
    assert f'action="{reverse("quizzes:submit", args=[attempt.pk])}"' in html
    assert Attempt.objects.get(pk=attempt.pk).is_open


def test_the_confirm_step_says_when_everything_is_answered(client, trainee, attempt):
    answer(trainee, attempt)
    html = client.get(reverse("quizzes:confirm", args=[attempt.pk])).content.decode()
    assert "You have answered every question." in html and "not answered" not in html


def test_a_partly_ordered_question_counts_as_unanswered(client, trainee, attempt):
    ordering = AttemptQuestion.objects.get(attempt=attempt, spec__type="ordering")
    answer(trainee, attempt, skip=[ordering.position])
    first = ordering.spec["answers"][0]["token"]
    client.post(reverse("quizzes:confirm", args=[attempt.pk]), {f"q{ordering.position}-{first}": "1"})
    html = client.get(reverse("quizzes:confirm", args=[attempt.pk])).content.decode()
    assert "1 question is not answered" in html and f'#q{ordering.position}"' in html


def test_the_attempt_form_goes_to_the_confirm_step_and_its_dialog_submits(client, attempt):
    html = client.get(reverse("quizzes:attempt", args=[attempt.pk])).content.decode()
    assert f'action="{reverse("quizzes:confirm", args=[attempt.pk])}" class="attempt"' in html
    assert f'formaction="{reverse("quizzes:submit", args=[attempt.pk])}"' in html
    assert "<dialog" in html


def test_attempt_pages_are_never_stored(client, trainee, attempt):
    """no-store, so that Back after submitting asks the server (which sends the result)."""
    for name in ("quizzes:attempt", "quizzes:confirm"):
        assert "no-store" in client.get(reverse(name, args=[attempt.pk]))["Cache-Control"], name
    client.post(reverse("quizzes:submit", args=[attempt.pk]))
    assert "no-store" in client.get(reverse("quizzes:result", args=[attempt.pk]))["Cache-Control"]


def test_a_submitted_attempts_pages_lead_to_its_result(client, attempt):
    client.post(reverse("quizzes:submit", args=[attempt.pk]))
    result = reverse("quizzes:result", args=[attempt.pk])
    for name in ("quizzes:attempt", "quizzes:confirm"):
        response = client.get(reverse(name, args=[attempt.pk]))
        assert response.status_code == 302 and response["Location"] == result, name
    response = client.post(reverse("quizzes:confirm", args=[attempt.pk]), {"q1": "x"})
    assert response.status_code == 302 and response["Location"] == result


def test_a_pass_names_the_module_it_unlocked(client, trainee, attempt, quiz_setup):
    answer(trainee, attempt)
    client.post(reverse("quizzes:submit", args=[attempt.pk]))
    html = client.get(reverse("quizzes:result", args=[attempt.pk])).content.decode()
    second = quiz_setup.tree.modules[1]
    assert f"“{second.title}” is now unlocked." in html
    assert f'<a href="{second.url}">Start “{second.title}”</a>' in html


def test_a_fail_sends_the_trainee_back_to_the_module(client, attempt, quiz_setup):
    client.post(reverse("quizzes:submit", args=[attempt.pk]))
    html = client.get(reverse("quizzes:result", args=[attempt.pk])).content.decode()
    first = quiz_setup.tree.modules[0]
    assert f'<a href="{first.url}">Back to the module</a>' in html
    assert "is now unlocked" not in html


def test_a_pass_that_issues_a_certificate_links_to_it(client, trainee, attempt, quiz_setup):
    CertificateRule.objects.create(slug="m1", title="模块一证书", title_en="Module One Certificate",
                                   exam=quiz_setup.quiz, validity_months=24)
    answer(trainee, attempt)
    client.post(reverse("quizzes:submit", args=[attempt.pk]))
    html = client.get(reverse("quizzes:result", args=[attempt.pk])).content.decode()
    assert "Certificate issued: “Module One Certificate”." in html
    assert f'<a href="{reverse("certificates:mine")}">See your certificates</a>' in html


def test_answers_in_a_chinese_review_use_chinese_separators():
    """A matched pair and a list read as Chinese: no em dash (it reads as 一) and no half-width semicolon."""
    spec = {"type": "matching", "targets": [{"token": "t1", "text": "用户增长"}, {"token": "t2", "text": "商业"}]}
    by_token = {"a": {"text": "留存"}, "b": {"text": "市场份额"}}
    with translation.override("zh-hans"):
        text = _describe(spec, {"a": "t1", "b": "t2"}, by_token)
    assert text == "留存：用户增长；市场份额：商业"
    assert _describe(spec, {"a": "t1", "b": "t2"}, by_token) == "留存 — 用户增长; 市场份额 — 商业"


def test_another_persons_confirm_step_is_not_found(client, attempt, other_trainee):
    client.force_login(other_trainee)
    url = reverse("quizzes:confirm", args=[attempt.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"q1": "x"}).status_code == 404
    assert not AttemptQuestion.objects.filter(attempt=attempt).exclude(response=None).exists()


def test_chinese_result_and_dashboard_use_full_width_colons(client, trainee, attempt, quiz_setup):
    answer(trainee, attempt)
    client.post(reverse("quizzes:submit", args=[attempt.pk]))
    html = client.get(f"/zh-hans/quizzes/attempts/{attempt.pk}/result/").content.decode()
    assert "你的答案：</strong>" in html and "正确答案：</strong>" in html and "：</strong>" in html
    assert ":</strong>" not in html
    html = client.get("/zh-hans/my-learning/").content.decode()
    assert "下一课：" in html and "下一课:" not in html


def test_the_confirm_step_takes_only_get_and_post(client, attempt):
    assert client.put(reverse("quizzes:confirm", args=[attempt.pk])).status_code == 405
