import csv
import io
import math
from dataclasses import replace
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from accounts.groups import INSTRUCTORS
from courses import api as courses_api
from quizzes import analysis, api
from quizzes.analysis import Draw
from quizzes.models import Attempt, AttemptQuestion, AttemptStatus, QuestionBank, QuizDraw, QuizPage
from quizzes.questions import normalise, write_question
from tests.conftest import make_user

RIGHT_WRONG = [{"text": "right", "fraction": 1}, {"text": "wrong", "fraction": 0}]


# Pure statistics against hand-computed values --------------------------------------------------

def draws_from(matrix, keys="abcdefgh"):
    """Draws for an attempts × questions matrix of 1-point scores (None: not drawn)."""
    return [
        Draw(attempt=a, position=p, key=keys[q], label=keys[q], kind="numeric", points=1.0, score=float(s))
        for a, row in enumerate(matrix)
        for p, (q, s) in enumerate(((q, s) for q, s in enumerate(row) if s is not None), start=1)
    ]


# Five attempts × three right/wrong questions; totals 3, 2, 2, 1, 0.
MATRIX = [
    [1, 1, 1],
    [1, 1, 0],
    [1, 0, 1],
    [1, 0, 0],
    [0, 0, 0],
]


def test_facility_sd_and_discrimination_match_hand_computation():
    """Facility = mean score %, SD = sample SD %, discrimination = 100 · r(item, rest of test).

    Question a: x = 1 1 1 1 0 (mean .8), rest = b + c = 2 1 1 0 0 (mean .8).
      dx = .2 .2 .2 .2 −.8, dr = 1.2 .2 .2 −.8 −.8
      Σdx·dr = .24 + .04 + .04 − .16 + .64 = .8;  Σdx² = .8;  Σdr² = 2.8
      r = .8 / √(.8 · 2.8) = .8 / √2.24 = .534522 → 53.45;  SD = √(.8 / 4) = .447214 → 44.72
      sorted x = 0 1 1 1 1, sorted rest = 0 0 1 1 2: Σ co-deviation = .64 − .16 + .04 + .04 + .24 = .8
      → discriminative efficiency .8 / .8 = 100.
    Question b: x = 1 1 0 0 0 (mean .4), rest = a + c = 2 1 2 1 0 (mean 1.2).
      dx = .6 .6 −.4 −.4 −.4, dr = .8 −.2 .8 −.2 −1.2
      Σdx·dr = .48 − .12 − .32 + .08 + .48 = .6;  Σdx² = 1.2;  Σdr² = 2.8
      r = .6 / √3.36 = .327327 → 32.73;  SD = √(1.2 / 4) = .547723 → 54.77
    Question c mirrors b (x = 1 0 1 0 0, rest = 2 2 1 1 0).
    """
    stats = analysis.analyse(draws_from(MATRIX))
    by_key = {item.key: item for item in stats.items}
    assert [by_key[k].facility for k in "abc"] == pytest.approx([80, 40, 40])
    assert by_key["a"].sd == pytest.approx(44.7214, abs=1e-3)
    assert by_key["b"].sd == pytest.approx(54.7723, abs=1e-3)
    assert by_key["a"].discrimination == pytest.approx(53.4522, abs=1e-3)
    assert by_key["b"].discrimination == pytest.approx(32.7327, abs=1e-3)
    assert by_key["c"].discrimination == pytest.approx(32.7327, abs=1e-3)
    assert by_key["a"].efficiency == pytest.approx(100)
    assert all(item.drawn == 5 for item in stats.items)


def test_quiz_summary_and_reliability_match_hand_computation():
    """Mean/median/SD of attempt percentages, 10 %-bins, and KR-20 over the full matrix.

    Percentages 100, 66.67, 66.67, 33.33, 0 → mean 53.33, median 66.67;
    totals 3 2 2 1 0 have variance 5.2 / 4 = 1.3, so SD = 100/3 · √1.3 = 38.006.
    Item variances (n − 1): a .8/4 = .2, b 1.2/4 = .3, c .3 → Σ = .8.
    α = k/(k − 1) · (1 − Σσ²ᵢ / σ²ₓ) = 3/2 · (1 − .8 / 1.3) = .75 / 1.3 = .576923 → 57.69
    (the same as KR-20 with population variances: 3/2 · (1 − Σpq .64 / 1.04)).
    """
    stats = analysis.analyse(draws_from(MATRIX))
    assert stats.attempts == 5
    assert stats.mean == pytest.approx(53.3333, abs=1e-3)
    assert stats.median == pytest.approx(66.6667, abs=1e-3)
    assert stats.sd == pytest.approx(100 / 3 * math.sqrt(1.3))
    assert stats.bins == [1, 0, 0, 1, 0, 0, 2, 0, 0, 1]
    assert stats.reliability.alpha == pytest.approx(57.6923, abs=1e-3)
    assert (stats.reliability.name, stats.reliability.basis) == ("KR-20", "questions")
    assert (stats.reliability.items, stats.reliability.attempts) == (3, 5)


def test_cronbach_alpha_with_partial_credit():
    """Partial credit: α over fractions, not KR-20.

    Items: (1, .5, 0) variance .5/2 = .25; (.5, .5, 0) variance (1/36 + 1/36 + 1/9)/2 = 1/12.
    Totals 1.5, 1, 0: variance (4/9 + 1/36 + 25/36)/2 = 7/12.
    α = 2 · (1 − (1/4 + 1/12) / (7/12)) = 2 · 3/7 = 6/7.
    """
    assert analysis.cronbach_alpha([[1, 0.5], [0.5, 0.5], [0, 0]]) == pytest.approx(6 / 7)
    draws = [
        Draw(attempt=a, position=p, key=k, label=k, kind="numeric", points=2.0, score=2 * s)
        for a, row in enumerate([[1, 0.5], [0.5, 0.5], [0, 0]])
        for p, (k, s) in enumerate(zip("xy", row), start=1)
    ]
    reliability = analysis.reliability(draws)
    assert reliability.alpha == pytest.approx(100 * 6 / 7)
    assert reliability.name == "Cronbach's alpha"


def test_random_draws_fall_back_to_reliability_by_position():
    """When no attempt drew every question, α is computed per position, as Moodle does.

    Four questions a–d, two per attempt; by position the matrix is
    p1 = 1 1 0 1 (variance .75/3 = .25), p2 = 1 0 0 1 (variance 1/3),
    totals 2 1 0 2 (mean 1.25, variance 2.75/3 = .916667):
    α = 2 · (1 − .583333 / .916667) = .727273.
    """
    matrix = [
        [1, 1, None, None],
        [None, None, 1, 0],
        [0, None, None, 0],
        [None, 1, 1, None],
    ]
    draws = draws_from(matrix)
    # Attempt 4 drew b then c; put c first so that the positions are c: 1, b: 1 as in the docstring.
    draws = [d if d.attempt != 3 else replace(d, position=3 - d.position) for d in draws]
    reliability = analysis.reliability(draws)
    assert reliability.basis == "positions"
    assert reliability.alpha == pytest.approx(72.7273, abs=1e-3)
    stats = analysis.analyse(draws)
    assert {item.key: item.drawn for item in stats.items} == {"a": 2, "b": 2, "c": 2, "d": 2}


def test_choice_frequencies_map_tokens_through_each_attempts_own_spec():
    """Tokens differ per attempt; counts go to answer texts, unpicked choices show 0, each
    language's texts are their own choices, and blank responses count as unanswered."""
    def spec(texts, tokens):
        return tuple(
            {"token": t, "text": x, "fraction": 1.0 if i == 0 else 0.0} for i, (x, t) in enumerate(zip(texts, tokens))
        )

    en = ("Paris", "London", "Rome")
    draws = [
        Draw(1, 1, "k", "capital", "single_choice", 1.0, 1.0, "t1", spec(en, ["t1", "t2", "t3"])),
        Draw(2, 1, "k", "capital", "single_choice", 1.0, 0.0, "u2", spec(en, ["u1", "u2", "u3"])),
        Draw(3, 1, "k", "capital", "single_choice", 1.0, 1.0, "v1", spec(("巴黎", "伦敦", "罗马"), ["v1", "v2", "v3"])),
        Draw(4, 1, "k", "capital", "single_choice", 1.0, 0.0, None, spec(en, ["w1", "w2", "w3"])),
    ]
    choices, unanswered = analysis.choice_counts(draws)
    assert [(c.text, c.count, c.is_right) for c in choices] == [
        ("Paris", 1, True), ("London", 1, False), ("Rome", 0, False),
        ("巴黎", 1, True), ("伦敦", 0, False), ("罗马", 0, False),
    ]
    assert choices[0].percent == 25
    assert unanswered == 1

    multi = [Draw(1, 1, "m", "m", "multiple_response", 1.0, 1.0, ["a", "b"], spec(en, ["a", "b", "c"]))]
    assert [c.count for c in analysis.choice_counts(multi)[0]] == [1, 1, 0]


def test_flags_need_enough_draws_and_low_or_negative_discrimination():
    """Flag below 10 or negative, only once drawn MIN_DRAWS_TO_FLAG times."""
    def item(drawn, discrimination):
        return analysis.ItemStats("k", "k", "single_choice", drawn, 50, 10, discrimination, None)

    enough = analysis.MIN_DRAWS_TO_FLAG
    assert item(enough, -5).flag == "negative"
    assert item(enough, 9.9).flag == "low"
    assert item(enough, 10).flag == ""
    assert item(enough, None).flag == ""
    assert item(enough - 1, -50).flag == ""


# Through the database ---------------------------------------------------------------------

def make_question(bank, locale, key, stem=None, answers=RIGHT_WRONG):
    data = normalise({"key": key, "type": "single_choice", "stem": stem or f"Question {key}?", "answers": answers})
    return write_question(bank, locale, data)[0]


def new_quiz(tree, *, slug="module-quiz", questions=4):
    module = tree.modules[0]
    bank = QuestionBank.objects.create(slug=slug, title=f"Bank {slug}")
    quiz = module.add_child(instance=QuizPage(title=f"Quiz {slug}", slug=slug, locale=module.locale,
                                              requires_lessons_complete=False))
    QuizDraw.objects.create(quiz=quiz, bank=bank, count=questions)
    return quiz, bank


def take(user, quiz, picks):
    """Start, answer (picks: question key → answer text) and submit an attempt through the api."""
    attempt = api.start_attempt(user, quiz)
    for question in AttemptQuestion.objects.filter(attempt=attempt):
        text = picks[question.spec["key"]]
        token = next(a["token"] for a in question.spec["answers"] if a["text"] == text)
        api.save_answer(user, attempt.pk, question.position, token)
    return api.submit_attempt(user, attempt.pk)


# Six trainees × q1 q2 q3 trap. Totals 3 3 3 2 1 1.
# trap: x = 0 0 1 0 1 1 (mean .5), rest = 3 3 2 2 0 0 (mean 5/3);
#   Σdx·dr = −.5 · (4/3 + 4/3 + 1/3) + .5 · (1/3 − 5/3 − 5/3) = −3;  Σdx² = 1.5;  Σdr² = 28/3
#   r = −3 / √14 = −.801784 → −80.18: flagged negative.
# q3: x = 1 1 0 1 0 0, rest = 2 2 3 1 1 1: Σdx·dr = 0 → r = 0: flagged low.
# Percentages 75 75 75 50 25 25 → mean 54.17, median 62.5.
PATTERN = [
    {"q1": 1, "q2": 1, "q3": 1, "trap": 0},
    {"q1": 1, "q2": 1, "q3": 1, "trap": 0},
    {"q1": 1, "q2": 1, "q3": 0, "trap": 1},
    {"q1": 1, "q2": 0, "q3": 1, "trap": 0},
    {"q1": 0, "q2": 0, "q3": 0, "trap": 1},
    {"q1": 0, "q2": 0, "q3": 0, "trap": 1},
]


@pytest.fixture
def taken_quiz(make_tree):
    tree = make_tree(modules=1, lessons=1, prerequisite=False)
    quiz, bank = new_quiz(tree)
    for key in ("q1", "q2", "q3"):
        make_question(bank, quiz.locale, key)
    make_question(bank, quiz.locale, "trap", stem="=1+1 is 2?",
                  answers=[{"text": "@right", "fraction": 1}, {"text": "wrong", "fraction": 0}])
    for n, row in enumerate(PATTERN):
        user = make_user(f"t{n}@example.com")
        courses_api.enrol_learner(user, tree.course)
        take(user, quiz, {k: ("@right" if k == "trap" else "right") if v else "wrong" for k, v in row.items()})
    return quiz


@pytest.fixture
def instructor_client(client, instructor):
    client.force_login(instructor)
    return client


def test_attempts_through_the_api_give_the_hand_computed_statistics(taken_quiz):
    """The trap question that strong trainees miss is flagged negative; the one that does not
    separate anyone is flagged low; the good questions are not flagged."""
    stats = analysis.quiz_statistics(taken_quiz)
    items = {item.label: item for item in stats.items}
    assert stats.attempts == stats.trainees == 6
    assert stats.mean == pytest.approx(54.1667, abs=1e-3)
    assert stats.median == pytest.approx(62.5)
    assert items["trap"].discrimination == pytest.approx(-100 * 3 / math.sqrt(14))
    assert items["trap"].flag == "negative"
    assert items["q3"].discrimination == pytest.approx(0, abs=1e-9)
    assert items["q3"].flag == "low"
    assert items["q1"].flag == items["q2"].flag == ""
    assert [(c.text, c.count) for c in items["trap"].choices] == [("@right", 3), ("wrong", 3)]
    assert {item.label for item in stats.flagged} == {"trap", "q3"}


def test_report_shows_the_numbers_to_an_instructor(instructor_client, taken_quiz):
    """The report has the summary, the chart's bars, per-question figures and the flags."""
    response = instructor_client.get(reverse("quiz_statistics:quiz", args=[taken_quiz.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-stat="attempts">6' in html
    assert 'data-stat="mean">54.2%' in html
    assert 'data-stat="median">62.5%' in html
    assert "<svg" in html and html.count('class="bar"') == 10
    assert 'data-count="3"' in html and 'data-count="2"' in html  # 75 % ×3, 25 % ×2
    assert 'data-stat="discrimination">-80.2' in html
    assert html.count('class="flagged"') == 2
    assert reverse("quiz_statistics:quiz_csv", args=[taken_quiz.pk]) in html


def test_csv_has_the_per_question_table_with_formulas_defused(instructor_client, taken_quiz):
    """Header, one row per question; text starting with = + - @ gets a quote, numbers do not;
    UTF-8 with a BOM, as HR's exports, so that Excel reads Chinese stems."""
    response = instructor_client.get(reverse("quiz_statistics:quiz_csv", args=[taken_quiz.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    body = b"".join(response.streaming_content)
    assert body.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0] == [
        "question_key", "question", "type", "times_drawn", "facility_index", "standard_deviation",
        "discrimination_index", "discriminative_efficiency", "flag", "unanswered", "choices",
    ]
    by_key = {row[0]: dict(zip(rows[0], row)) for row in rows[1:]}
    assert set(by_key) == {"q1", "q2", "q3", "trap"}
    trap = by_key["trap"]
    assert trap["question"] == "'=1+1 is 2?"
    assert trap["choices"] == "'@right: 3 | wrong: 3"
    assert trap["discrimination_index"] == "-80.18"
    assert (trap["times_drawn"], trap["facility_index"], trap["flag"]) == ("6", "50.00", "negative")


def test_question_view_shows_the_question_in_each_quiz(instructor_client, taken_quiz):
    """A question's own page lists its figures per quiz, linked from the snippet listing."""
    trap = AttemptQuestion.objects.filter(spec__key="trap").first().question
    listing = instructor_client.get(reverse("wagtailsnippets_quizzes_question:list")).content.decode()
    url = reverse("quiz_statistics:question", args=[trap.pk])
    assert url in listing
    html = instructor_client.get(url).content.decode()
    assert taken_quiz.title in html
    assert 'data-stat="discrimination">-80.2' in html


def test_quiz_page_and_admin_menu_link_to_the_report(instructor_client, taken_quiz):
    """The quiz's page header and the admin menu lead to the statistics."""
    report = reverse("quiz_statistics:quiz", args=[taken_quiz.pk])
    edit = instructor_client.get(reverse("wagtailadmin_pages:edit", args=[taken_quiz.pk])).content.decode()
    assert report in edit
    index = instructor_client.get(reverse("quiz_statistics:index")).content.decode()
    assert report in index and taken_quiz.title in index
    assert reverse("quiz_statistics:index") in instructor_client.get(reverse("wagtailadmin_home")).content.decode()


def test_report_of_a_quiz_nobody_finished(instructor_client, make_tree):
    """No finished attempt: the report says so, with empty figures instead of an error."""
    quiz, bank = new_quiz(make_tree(modules=1, lessons=1))
    html = instructor_client.get(reverse("quiz_statistics:quiz", args=[quiz.pk])).content.decode()
    assert 'data-stat="attempts">0' in html and 'data-stat="mean">—<' in html
    assert html.count('data-count="0"') == 10


@pytest.mark.parametrize("name", ["index", "quiz", "quiz_csv"])
def test_trainees_anonymous_and_other_staff_are_turned_away(client, trainee, taken_quiz, name):
    """Only instructors and superusers: others are sent to the login or the admin home."""
    url = reverse(f"quiz_statistics:{name}", args=[] if name == "index" else [taken_quiz.pk])
    assert client.get(url).status_code == 302
    client.force_login(trainee)
    response = client.get(url)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    staff = make_user("editor@example.com", INSTRUCTORS)
    staff.groups.clear()
    staff.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(staff)
    response = client.get(url)
    assert response.status_code == 302 and response["Location"] == reverse("wagtailadmin_home")


# Query counts -----------------------------------------------------------------------------

# Every admin request: session, user, user and group permissions, Wagtail user profile (5).
# Admin menu and chrome on HTML pages: locales, group page and collection permissions, the
# explorer's root page, and for instructors (graders) the count of essays awaiting grading (5).
# Report (3): the quiz page, the finished attempts' rows (one values() stream), question stems.
REPORT_QUERIES = 5 + 5 + 3
# CSV (3): the same three reads, no menu.
CSV_QUERIES = 5 + 3
# Quiz list (3): quiz pages, attempt figures grouped by quiz, the quizzes' parent titles.
INDEX_QUERIES = 5 + 5 + 3


def add_finished_attempts(quiz, bank, n):
    """n finished attempts of one user over the quiz's four questions, in bulk."""
    from quizzes.models import Question

    user = make_user("bulk@example.com")
    questions = list(Question.objects.filter(bank=bank).prefetch_related("answers"))
    now = timezone.now()
    attempts = Attempt.objects.bulk_create(
        Attempt(user=user, quiz=quiz, quiz_key=quiz.translation_key, number=i + 1, status=AttemptStatus.FINISHED,
                finished_at=now, score=Decimal(2), max_score=Decimal(4), percent=Decimal(50))
        for i in range(n)
    )
    rows = []
    for i, attempt in enumerate(attempts):
        for position, question in enumerate(questions, start=1):
            spec = api.freeze(question)
            right = (i + position) % 3 != 0
            rows.append(AttemptQuestion(
                attempt=attempt, position=position, question=question, question_key=question.translation_key,
                spec=spec, response=spec["answers"][0 if right else 1]["token"], score=Decimal(int(right)),
            ))
    AttemptQuestion.objects.bulk_create(rows)


@pytest.mark.parametrize("attempts", [5, 40])
def test_report_queries_do_not_grow_with_attempts(instructor_client, make_tree, attempts, django_assert_num_queries):
    """The report and the CSV cost the same number of queries for 5 and 40 attempts."""
    tree = make_tree(modules=1, lessons=1, prerequisite=False)
    quiz, bank = new_quiz(tree)
    for key in ("q1", "q2", "q3", "q4"):
        make_question(bank, quiz.locale, key)
    add_finished_attempts(quiz, bank, attempts)
    url = reverse("quiz_statistics:quiz", args=[quiz.pk])
    instructor_client.get(url)  # warm caches (content types, site root)
    with django_assert_num_queries(REPORT_QUERIES):
        assert instructor_client.get(url).status_code == 200
    with django_assert_num_queries(CSV_QUERIES):
        response = instructor_client.get(reverse("quiz_statistics:quiz_csv", args=[quiz.pk]))
        assert len(b"".join(response.streaming_content).splitlines()) == 5


@pytest.mark.parametrize("quizzes", [1, 4])
def test_quiz_list_queries_do_not_grow_with_quizzes(instructor_client, make_tree, quizzes, django_assert_num_queries):
    """The quiz list costs the same number of queries for 1 and 4 quizzes."""
    tree = make_tree(modules=1, lessons=1, prerequisite=False)
    for n in range(quizzes):
        new_quiz(tree, slug=f"quiz-{n}")
    url = reverse("quiz_statistics:index")
    instructor_client.get(url)
    with django_assert_num_queries(INDEX_QUERIES):
        assert instructor_client.get(url).status_code == 200


def test_csv_cells_defuse_full_width_formula_starts_too():
    """＝ ＋ － ＠ (which spreadsheets with Chinese input fold to = + - @) and a leading tab get
    the quote as well; figures stay figures."""
    from quizzes.analysis_views import csv_cell

    assert [str(csv_cell(v)) for v in ("＝1+1", "＠x", "－1", "\t=1", -0.5, 3, None)] == [
        "'＝1+1", "'＠x", "'－1", "'\t=1", "-0.50", "3", ""]
