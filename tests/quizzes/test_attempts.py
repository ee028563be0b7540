import json
import threading
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone, translation

from courses import api as courses_api
from courses.queries import course_outline
from quizzes import api
from quizzes.grading import right_answer
from quizzes.models import Attempt, AttemptQuestion, Question, ReviewPolicy
from quizzes.queries import attempt_for_grading
from tests.conftest import make_user


@pytest.fixture(autouse=True)
def _english():
    """These tests assert the API's English messages (reverse() then gives /en/ URLs)."""
    with translation.override("en"):
        yield


SECRETS = ["Engineering does that.", "That is acquisition.", "fraction", "tolerance", '"target"']


def _enrolled(user, setup):
    courses_api.enrol_learner(user, setup.tree.course)
    return user


def _start(client, setup):
    response = client.post(reverse("quizzes:start", args=[setup.quiz.pk]))
    assert response.status_code == 302, response.content
    return Attempt.objects.latest("pk"), response


def _answer(client, attempt, position, response):
    return client.post(
        reverse("quizzes:save", args=[attempt.pk]),
        json.dumps({"position": position, "response": response}),
        content_type="application/json",
    )


def _answer_all(client, attempt, right=True):
    for question in attempt.questions.all():
        response = right_answer(question.spec)
        if not right and question.spec["type"] in ("numeric", "short_text"):
            response = "0"
        assert _answer(client, attempt, question.position, response).status_code == 200


@pytest.fixture
def learner(trainee, quiz_setup, client):
    _enrolled(trainee, quiz_setup)
    client.force_login(trainee)
    return trainee


def test_passing_the_quiz_completes_the_module_and_unlocks_the_next(client, learner, quiz_setup):
    """All right: 100%, passed, module done, module 2 no longer locked."""
    attempt, _ = _start(client, quiz_setup)
    assert course_outline(quiz_setup.tree.course, learner)["modules"][1].locked_by is not None
    _answer_all(client, attempt)
    response = client.post(reverse("quizzes:submit", args=[attempt.pk]))
    assert response.status_code == 302 and response["Location"].endswith(f"/attempts/{attempt.pk}/result/")
    attempt.refresh_from_db()
    assert (attempt.percent, attempt.passed, attempt.finished_by) == (100, True, "submit")
    cards = course_outline(quiz_setup.tree.course, learner)["modules"]
    assert cards[0].done and cards[1].locked_by is None


def test_lessons_alone_do_not_complete_an_assessed_module(learner, quiz_setup):
    """With a quiz, reading every lesson is not enough to unlock the next module."""
    for lesson in quiz_setup.tree.lessons[0]:
        courses_api.complete_lesson(learner, lesson)
    assert course_outline(quiz_setup.tree.course, learner)["modules"][1].locked_by is not None


def test_answers_survive_a_reload_and_the_page_shows_when_saved(client, learner, quiz_setup):
    attempt, _ = _start(client, quiz_setup)
    single = attempt.questions.get(spec__type="single_choice")
    token = single.spec["order"][0]
    assert _answer(client, attempt, single.position, token).status_code == 200
    html = client.get(reverse("quizzes:attempt", args=[attempt.pk])).content.decode()
    assert f'value="{token}" checked' in html
    assert "Last saved" in html or "最近保存" in html


def test_nothing_that_grades_reaches_the_browser_before_grading(client, learner, quiz_setup):
    """Every response of an open attempt is free of fractions, feedback, explanations and
    the order or pairing that would give the answers away."""
    bodies = [client.get(quiz_setup.quiz.url)]
    attempt, start = _start(client, quiz_setup)
    bodies += [start, client.get(reverse("quizzes:attempt", args=[attempt.pk]))]
    for question in attempt.questions.all():
        bodies.append(_answer(client, attempt, question.position, right_answer(question.spec)))
    bodies.append(client.get(reverse("quizzes:attempt", args=[attempt.pk])))
    for response in bodies:
        text = response.content.decode()
        for secret in SECRETS:
            assert secret not in text, (secret, response.request["PATH_INFO"])
    ordering = attempt.questions.get(spec__type="ordering").spec
    assert ordering["order"] != [a["token"] for a in ordering["answers"]]
    matching = attempt.questions.get(spec__type="matching").spec
    assert all(a["token"] != a["target"] for a in matching["answers"])


def test_editing_a_question_never_changes_a_given_attempt(client, learner, quiz_setup):
    """The attempt keeps the version it was given; grading uses that version."""
    attempt, _ = _start(client, quiz_setup)
    single = attempt.questions.get(spec__type="single_choice")
    right = right_answer(single.spec)
    question = Question.objects.get(pk=single.question_id)
    for answer in question.answers.all():
        answer.fraction = 0 if answer.fraction == 1 else answer.fraction
    question.stem = "Edited"
    question.save()
    question.save_revision()
    assert AttemptQuestion.objects.get(pk=single.pk).spec == single.spec
    _answer(client, attempt, single.position, right)
    client.post(reverse("quizzes:submit", args=[attempt.pk]))
    assert AttemptQuestion.objects.get(pk=single.pk).score == 1
    assert single.revision_id is not None


def test_double_submit_and_replay_give_one_graded_result(client, learner, quiz_setup):
    attempt, _ = _start(client, quiz_setup)
    _answer_all(client, attempt)
    submit = reverse("quizzes:submit", args=[attempt.pk])
    client.post(submit)
    finished = Attempt.objects.get(pk=attempt.pk)
    client.post(submit)
    client.post(submit, {"q1": "anything"})
    again = Attempt.objects.get(pk=attempt.pk)
    assert (again.score, again.finished_at, again.finished_by) == (finished.score, finished.finished_at, "submit")
    assert Attempt.objects.filter(user=learner).count() == 1
    assert _answer(client, attempt, 1, "x").status_code == 409


def test_two_tabs_starting_share_one_attempt(client, learner, quiz_setup):
    first, _ = _start(client, quiz_setup)
    second, _ = _start(client, quiz_setup)
    assert first.pk == second.pk and Attempt.objects.count() == 1


def test_server_deadline_refuses_late_answers_and_finalises(client, learner, quiz_setup):
    """Past the time limit and grace, an answer is refused (409) and the attempt is graded
    with what was saved in time."""
    quiz_setup.quiz.time_limit_minutes = 1
    quiz_setup.quiz.save_revision().publish()
    attempt, _ = _start(client, quiz_setup)
    single = attempt.questions.get(spec__type="single_choice")
    api.save_answer(learner, attempt.pk, single.position, right_answer(single.spec))
    late = attempt.deadline + timedelta(seconds=31)
    with pytest.raises(api.AttemptClosed):
        api.save_answer(learner, attempt.pk, 2, "x", now=late)
    attempt.refresh_from_db()
    assert attempt.finished_by == "deadline" and attempt.score == 1


def test_sweep_finalises_abandoned_attempts_once(learner, quiz_setup, capsys):
    quiz_setup.quiz.time_limit_minutes = 5
    quiz_setup.quiz.save_revision().publish()
    attempt = api.start_attempt(learner, quiz_setup.quiz)
    Attempt.objects.filter(pk=attempt.pk).update(deadline=timezone.now() - timedelta(minutes=2))
    call_command("finalise_attempts")
    assert "Finalised 1 attempt" in capsys.readouterr().out
    call_command("finalise_attempts")
    assert "Finalised 0 attempts" in capsys.readouterr().out
    attempt.refresh_from_db()
    assert attempt.finished_by == "sweep" and attempt.score == 0


def test_time_accommodation_multiplies_the_limit(trainee, quiz_setup):
    quiz_setup.quiz.time_limit_minutes = 10
    quiz_setup.quiz.save_revision().publish()
    trainee.time_multiplier = 1.5
    trainee.save()
    _enrolled(trainee, quiz_setup)
    attempt = api.start_attempt(trainee, quiz_setup.quiz)
    assert timedelta(minutes=14.9) < attempt.deadline - attempt.started_at < timedelta(minutes=15.1)


def test_a_retake_draws_unseen_questions_while_the_bank_allows(make_quiz, trainee):
    setup = make_quiz(extra_questions=3)
    setup.quiz.draws.update(count=5)
    _enrolled(trainee, setup)
    first = api.start_attempt(trainee, setup.quiz)
    api.submit_attempt(trainee, first.pk)
    second = api.start_attempt(trainee, setup.quiz)
    keys = lambda a: set(a.questions.values_list("question_key", flat=True))  # noqa: E731
    assert len(keys(first)) == len(keys(second)) == 5
    assert not keys(first) & keys(second)  # 10 in the bank, 5 per attempt: no repeats yet


@pytest.mark.parametrize(
    "payload,reason",
    [
        ({"position": 99, "response": "x"}, "not part of this attempt"),
        ({"position": "one", "response": "x"}, "Unknown question"),
        ({"response": "x"}, "position"),
    ],
)
def test_bad_answer_requests_get_400_and_save_nothing(client, learner, quiz_setup, payload, reason):
    attempt, _ = _start(client, quiz_setup)
    response = client.post(
        reverse("quizzes:save", args=[attempt.pk]), json.dumps(payload), content_type="application/json"
    )
    assert response.status_code == 400 and reason in response.json()["error"]
    assert not attempt.questions.exclude(response=None).exists()


def test_wrong_choices_and_types_are_refused(client, learner, quiz_setup):
    attempt, _ = _start(client, quiz_setup)
    questions = {q.spec["type"]: q for q in attempt.questions.all()}
    single, multi = questions["single_choice"], questions["multiple_response"]
    cases = [
        (single, multi.spec["order"][0]),           # a choice of another question
        (single, [single.spec["order"][0]]),        # a list where one choice is expected
        (multi, "not-a-list"),
        (questions["ordering"], questions["ordering"].spec["order"][:1]),  # not every item
        (questions["numeric"], "9" * 500),          # too long
        (questions["matching"], {"nope": "x"}),
    ]
    for question, response in cases:
        assert _answer(client, attempt, question.position, response).status_code == 400
    assert not attempt.questions.exclude(response=None).exists()


def test_huge_and_malformed_payloads_are_refused(client, learner, quiz_setup):
    attempt, _ = _start(client, quiz_setup)
    url = reverse("quizzes:save", args=[attempt.pk])
    assert client.post(url, "{" * 10, content_type="application/json").status_code == 400
    big = json.dumps({"position": 1, "response": "x" * 100_000})
    assert client.post(url, big, content_type="application/json").status_code == 400


def test_another_persons_attempt_is_not_found(client, learner, quiz_setup):
    attempt, _ = _start(client, quiz_setup)
    client.force_login(_enrolled(make_user("intruder@example.com"), quiz_setup))
    assert client.get(reverse("quizzes:attempt", args=[attempt.pk])).status_code == 404
    assert _answer(client, attempt, 1, "x").status_code == 404
    assert client.post(reverse("quizzes:submit", args=[attempt.pk])).status_code == 404
    assert client.get(reverse("quizzes:result", args=[attempt.pk])).status_code == 404
    assert Attempt.objects.get(pk=attempt.pk).is_open


def test_attempt_limit_and_wait_are_enforced(client, learner, quiz_setup):
    quiz_setup.quiz.max_attempts = 1
    quiz_setup.quiz.save_revision().publish()
    attempt, _ = _start(client, quiz_setup)
    client.post(reverse("quizzes:submit", args=[attempt.pk]))
    response = client.post(reverse("quizzes:start", args=[quiz_setup.quiz.pk]))
    assert response.status_code == 403 and Attempt.objects.count() == 1
    quiz_setup.quiz.max_attempts, quiz_setup.quiz.wait_minutes = 0, 60
    quiz_setup.quiz.save_revision().publish()
    assert client.post(reverse("quizzes:start", args=[quiz_setup.quiz.pk])).status_code == 403
    assert Attempt.objects.count() == 1


def _another_tab_starts_midway(monkeypatch, user, quiz, *, submits):
    """Another tab's start (and its submit, if `submits`) lands after this start has read the
    attempts and before it writes, the window its insert leaves to the unique constraints."""
    draw = api._frozen_draw

    def draw_while_another_tab_starts(*args):
        monkeypatch.setattr(api, "_frozen_draw", draw)
        other = api.start_attempt(user, quiz)
        if submits:
            api.submit_attempt(user, other.pk)
        return draw(*args)

    monkeypatch.setattr(api, "_frozen_draw", draw_while_another_tab_starts)


def test_a_start_that_loses_to_another_tabs_open_attempt_resumes_it(monkeypatch, trainee, quiz_setup):
    _enrolled(trainee, quiz_setup)
    _another_tab_starts_midway(monkeypatch, trainee, quiz_setup.quiz, submits=False)
    attempt = api.start_attempt(trainee, quiz_setup.quiz)
    assert list(Attempt.objects.values_list("pk", "number", "status")) == [(attempt.pk, 1, "in_progress")]


def test_a_start_that_loses_to_another_tabs_finished_attempt_counts_it_against_the_limit(
        monkeypatch, trainee, quiz_setup):
    quiz_setup.quiz.max_attempts = 1
    quiz_setup.quiz.save_revision().publish()
    _enrolled(trainee, quiz_setup)
    _another_tab_starts_midway(monkeypatch, trainee, quiz_setup.quiz, submits=True)
    with pytest.raises(api.QuizError, match="used all 1 attempts"):
        api.start_attempt(trainee, quiz_setup.quiz)
    assert list(Attempt.objects.values_list("number", "status")) == [(1, "finished")]


def test_a_start_that_loses_to_another_tabs_finished_attempt_takes_the_next_number(monkeypatch, trainee, quiz_setup):
    _enrolled(trainee, quiz_setup)
    _another_tab_starts_midway(monkeypatch, trainee, quiz_setup.quiz, submits=True)
    attempt = api.start_attempt(trainee, quiz_setup.quiz)
    assert list(Attempt.objects.order_by("number").values_list("number", "status")) == [
        (1, "finished"), (2, "in_progress")]
    assert attempt.number == 2
    assert attempt.questions.count() == Attempt.objects.get(number=1).questions.count() > 0


def test_quiz_of_a_course_you_are_not_enrolled_in_cannot_start(client, trainee, quiz_setup):
    client.force_login(trainee)
    assert client.post(reverse("quizzes:start", args=[quiz_setup.quiz.pk])).status_code == 403
    assert not Attempt.objects.exists()


@pytest.mark.parametrize(
    "policy,visible,hidden",
    [
        (ReviewPolicy.SCORE, ["100%"], ["Right answer", "正确答案", "Engineering does that."]),
        (ReviewPolicy.ANSWERS, ["Server maintenance"], ["Engineering does that."]),
        (ReviewPolicy.FEEDBACK, ["Server maintenance", "Engineering does that."], []),
        (ReviewPolicy.AFTER_CLOSE, [], ["100%", "Server maintenance"]),
    ],
)
def test_result_page_follows_the_review_policy(client, learner, quiz_setup, policy, visible, hidden):
    quiz_setup.quiz.review_policy = policy
    quiz_setup.quiz.closes_at = timezone.now() + timedelta(days=1) if policy == ReviewPolicy.AFTER_CLOSE else None
    quiz_setup.quiz.save_revision().publish()
    attempt, _ = _start(client, quiz_setup)
    _answer_all(client, attempt)
    client.post(reverse("quizzes:submit", args=[attempt.pk]))
    html = client.get(reverse("quizzes:result", args=[attempt.pk])).content.decode()
    for text in visible:
        assert text in html
    for text in hidden:
        assert text not in html


def test_form_submission_without_javascript_grades_the_posted_answers(client, learner, quiz_setup):
    """The plain form post (no autosave) saves every field, then grades."""
    attempt, _ = _start(client, quiz_setup)
    data = {}
    for question in attempt.questions.all():
        spec, name, right = question.spec, f"q{question.position}", right_answer(question.spec)
        if spec["type"] == "ordering":
            data.update({f"{name}-{token}": str(rank) for rank, token in enumerate(right, start=1)})
        elif spec["type"] == "matching":
            data.update({f"{name}-{item}": target for item, target in right.items()})
        else:
            data[name] = right
    client.post(reverse("quizzes:submit", args=[attempt.pk]), data)
    assert Attempt.objects.get(pk=attempt.pk).percent == 100


# Query budgets: start, save and submit do not grow with the bank or the attempt history.

@pytest.mark.parametrize("bank_extra,history", [(0, 0), (40, 3)])
def test_attempt_queries_do_not_grow(client, make_quiz, trainee, bank_extra, history, django_assert_num_queries):
    setup = make_quiz(extra_questions=bank_extra)
    _enrolled(trainee, setup)
    for _ in range(history):
        api.submit_attempt(trainee, api.start_attempt(trainee, setup.quiz).pk)
    client.force_login(trainee)
    client.get(setup.quiz.url)
    # session, user, quiz with its parent module (its class from the cached content type), the module
    # lock on the cached outline whose stamp matches the database (one query) and the learner's
    # lessons, completions and enrolments (one), attempts so far, every draw's candidates with
    # the seen ones marked, the drawn questions with their answers; then the insert of the
    # attempt and its questions (one statement on PostgreSQL, two in a transaction on SQLite);
    # and this test's read of the new attempt
    with django_assert_num_queries(10 if connection.vendor == "postgresql" else 11):
        attempt, _ = _start(client, setup)
    question = attempt.questions.first()
    # session, user, the question with its attempt's state, update (answer and its score)
    with django_assert_num_queries(4):
        assert _answer(client, attempt, question.position, right_answer(question.spec)).status_code == 200
    # session, user, savepoint, attempt (locked, with its quiz's pass mark, the sum of the
    # scores given as answers were saved and whether it completes a module), claim with the
    # grade, the mastery upsert from its scored questions and their skills (none here), release
    # (not passed: no certificate look-up)
    with django_assert_num_queries(7):
        client.post(reverse("quizzes:submit", args=[attempt.pk]))


@pytest.mark.parametrize("history", [0, 4])
def test_quiz_page_queries_do_not_grow_with_attempts(client, quiz_setup, trainee, history, django_assert_num_queries):
    _enrolled(trainee, quiz_setup)
    for _ in range(history):
        api.submit_attempt(trainee, api.start_attempt(trainee, quiz_setup.quiz).pk)
    client.force_login(trainee)
    client.get(quiz_setup.quiz.url)
    # session, user, Wagtail routing (site, locale, catalog, page by path, specific, alias and
    # restriction checks), translations for the switcher, attempts, parent (crumbs and lock),
    # the learner's lessons, completions and enrolments for the lock (the outline is cached)
    with django_assert_num_queries(13):
        assert client.get(quiz_setup.quiz.url).status_code == 200


def test_an_answer_changed_before_submitting_counts_as_last_saved(client, learner, quiz_setup):
    """Each save re-scores its answer: a right answer replaced by a wrong one earns nothing."""
    attempt, _ = _start(client, quiz_setup)
    question = attempt.questions.filter(spec__type="single_choice").first()
    wrong = next(a["token"] for a in question.spec["answers"] if a["token"] != right_answer(question.spec))
    assert _answer(client, attempt, question.position, right_answer(question.spec)).status_code == 200
    assert _answer(client, attempt, question.position, wrong).status_code == 200
    client.post(reverse("quizzes:submit", args=[attempt.pk]))
    question.refresh_from_db()
    attempt.refresh_from_db()
    assert question.score == 0
    assert attempt.score == sum(q.score for q in attempt.questions.all()) < attempt.max_score


def test_the_upgrade_scores_the_answers_saved_in_attempts_still_open(client, learner, quiz_setup):
    """Attempts open when answers started being scored on save (migration 0003) get their
    saved answers scored, so submitting them grades what was saved."""
    from importlib import import_module

    from django.apps import apps

    attempt, _ = _start(client, quiz_setup)
    _answer_all(client, attempt)
    attempt.questions.update(score=None)  # as saved before the upgrade
    import_module("quizzes.migrations.0003_score_answers_on_save").score_open_attempts(apps, None)
    submitted = api.submit_attempt(learner, attempt.pk)
    assert submitted.score == submitted.max_score > 0


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite runs one write at a time")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # the groups from migrations
def test_an_answer_saved_while_the_attempt_is_graded_waits_and_is_refused(learner, quiz_setup):
    """A save racing a submit on another connection waits for the grade, then is refused:
    no answer is acknowledged that the grade did not count."""
    attempt = api.start_attempt(learner, quiz_setup.quiz)
    question = attempt.questions.first()
    outcome = []

    def save_from_another_connection():
        try:
            api.save_answer(learner, attempt.pk, question.position, right_answer(question.spec))
            outcome.append("saved")
        except api.AttemptClosed:
            outcome.append("refused")
        finally:
            connection.close()

    saver = threading.Thread(target=save_from_another_connection)
    with transaction.atomic():
        grading = attempt_for_grading(attempt.pk, user=learner)  # what submit_attempt holds
        saver.start()
        saver.join(0.5)
        assert saver.is_alive(), outcome
        api._finish(grading, timezone.now(), "submit")
    saver.join(10)
    question.refresh_from_db()
    assert outcome == ["refused"]
    assert question.response is None
