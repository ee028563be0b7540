"""Every POST endpoint a trainee can reach answers arbitrary JSON and form bodies with less than
500, and changes nothing the trainee does not own: other people's attempts, answers, progress,
enrolments, certificates and accounts, any graded attempt (the trainee's own included) and the
pages stay as they were.

The endpoints (their URLs in courses/, quizzes/, accounts/ and certification/): enrol, complete
a lesson, start a quiz, save an answer, submit, the profile, Django's language switch and the
public credential verifier. Not the admin, nor allauth's own forms. Ids in the URL are the
trainee's, another trainee's, missing, or beyond any column; bodies carry the other trainee's
answer tokens as well as the trainee's own.
"""

import json

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from wagtail.models import Page

from certification.models import Certificate
from courses import api as courses_api
from courses.models import Enrolment, LessonProgress, ModuleCompletion
from quizzes import api as quiz_api
from quizzes.grading import right_answer
from quizzes.models import Attempt, AttemptQuestion, AttemptStatus, QuizDraw, QuizPage
from tests.conftest import make_user
from tests.quizzes.conftest import make_quiz, quiz_setup  # noqa: F401  (fixtures)

EXAMPLES = 40  # per endpoint: all eight take ~20 s on two busy cores, besides the set-up
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    # The examples share the test's database and client on purpose (given runs inside the test,
    # so no function-scoped fixture is reset between them): each compares what the trainee does
    # not own, which no example may change, whatever the examples before it did.
    suppress_health_check=[HealthCheck.too_slow],
)


# Bodies ------------------------------------------------------------------------------------

text = st.text(st.characters(exclude_categories=["Cs"]), max_size=30)  # what a form can carry
json_text = st.text(max_size=30)  # JSON may also carry lone surrogates ("\ud800")
scalars = (st.none() | st.booleans() | st.integers() | st.integers(min_value=2**62, max_value=2**130)
           | st.floats() | json_text | st.sampled_from(["²", "１", "𝟙", "\x00", "9" * 40, "", "-1", "1e9"]))
json_values = st.recursive(
    scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(json_text, inner, max_size=4), max_leaves=12
)


def tokens_strategy(tokens):
    """Answers built from real answer tokens (the trainee's and the other trainee's)."""
    token = st.sampled_from(tokens)
    return token | st.lists(token, max_size=6) | st.dictionaries(token, token, max_size=4)


def answer_bodies(tokens):
    position = st.integers(-3, 40) | st.sampled_from(["1", "01", "²", str(2**63), "9" * 40, " 1"]) | json_values
    payload = st.fixed_dictionaries({"position": position, "response": tokens_strategy(tokens) | json_values})
    return payload | json_values


def form_bodies(tokens, names=()):
    """Form fields: the names the endpoints read (with answer tokens for ranks and pairs) and
    any others, each with one value or several."""
    token = st.sampled_from(tokens)
    name = (st.sampled_from(["position", "next", "q1", "q2", "q7", "q99", "q²", *names])
            | st.builds(lambda n, t: f"q{n}-{t}", st.integers(0, 9), token) | text)
    value = text | token | st.sampled_from(["1", "2", "²", "-1", "9" * 40, "\x00"])
    return st.dictionaries(name, value | st.lists(value, min_size=1, max_size=3), max_size=8)


def raw_bodies():
    content_type = st.sampled_from([
        "application/json", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "text/plain",
    ])
    return st.tuples(st.binary(max_size=200), content_type)


# The world ---------------------------------------------------------------------------------

class World:
    """The trainee (logged in), another trainee with progress of their own, and the ids both
    have; `ids(kind)` names the URL ids the examples choose among."""

    def __init__(self, setup, trainee, other):
        self.setup, self.trainee, self.other = setup, trainee, other
        course, modules, lessons = setup.tree.course, setup.tree.modules, setup.tree.lessons
        self.exam = QuizPage(title="Final exam", slug="final-exam", draws=[QuizDraw(bank=setup.bank, count=3)],
                             requires_modules_complete=False)
        course.add_child(instance=self.exam)
        self.exam.save_revision().publish()
        for person in (trainee, other):
            courses_api.enrol_learner(person, course)
            courses_api.complete_lesson(person, lessons[0][0])
        courses_api.complete_module(other, modules[0])
        done = quiz_api.start_attempt(other, setup.quiz)
        for question in done.questions.all():
            quiz_api.save_answer(other, done.pk, question.position, right_answer(question.spec))
        quiz_api.submit_attempt(other, done.pk)
        self.other_open = quiz_api.start_attempt(other, setup.quiz)
        quiz_api.save_answer(other, self.other_open.pk, 1, right_answer(self.other_open.questions.get(position=1).spec))
        self.other_done = done
        self.own_done = quiz_api.submit_attempt(trainee, quiz_api.start_attempt(trainee, setup.quiz).pk)
        self.own_open()
        self.tokens = self._tokens()
        self.course_ids = [course.pk, course.get_translations().first().pk]
        self.lesson_ids = [lessons[0][0].pk, lessons[0][1].pk, lessons[1][0].pk]
        self.quiz_ids = [setup.quiz.pk, self.exam.pk]

    def own_open(self):
        """The trainee's open attempt (a new one if an example submitted it)."""
        return quiz_api.start_attempt(self.trainee, self.setup.quiz)

    def _tokens(self):
        specs = AttemptQuestion.objects.values_list("spec", flat=True)
        found = {a["token"] for spec in specs for a in spec["answers"]}
        found |= {a.get("target") for spec in specs for a in spec["answers"] if a.get("target")}
        return sorted(found)

    def ids(self, kind):
        if kind == "course":
            return self.course_ids
        if kind == "lesson":
            return self.lesson_ids
        if kind == "quiz":
            return self.quiz_ids
        return [self.own_done.pk, self.other_open.pk, self.other_done.pk]  # attempts; "own" is added later


MISSING = [999_999, 2**31, 2**63 - 1, 2**63, 10**30]


def snapshot(trainee):
    """What the trainee does not own, and graded attempts (nobody may change those)."""
    others = {"user__in": get_user_model().objects.exclude(pk=trainee.pk)}
    graded = Attempt.objects.filter(status=AttemptStatus.FINISHED)
    return {
        "other attempts": list(Attempt.objects.filter(**others).order_by("pk").values()),
        "graded attempts": list(graded.order_by("pk").values()),
        "answers": list(AttemptQuestion.objects.filter(attempt__user__in=others["user__in"])
                        .order_by("pk").values("pk", "response", "saved_at", "score")),
        "graded answers": list(AttemptQuestion.objects.filter(attempt__in=graded)
                               .order_by("pk").values("pk", "response", "saved_at", "score")),
        "lessons": list(LessonProgress.objects.filter(**others).order_by("pk").values()),
        "modules": list(ModuleCompletion.objects.filter(**others).order_by("pk").values()),
        "enrolments": list(Enrolment.objects.filter(**others).order_by("pk").values()),
        "certificates": list(Certificate.objects.order_by("pk").values()),
        "people": list(get_user_model().objects.exclude(pk=trainee.pk).order_by("pk").values()),
        "pages": list(Page.objects.order_by("pk").values("pk", "live", "latest_revision_id", "title")),
    }


@pytest.fixture
def world(db, quiz_setup, trainee, client, settings):  # noqa: F811 (the imported fixture)
    settings.CREDENTIAL_VERIFY_RATE_LIMIT = None  # else most examples would only meet the 429
    world = World(quiz_setup, trainee, make_user("victim@example.com", display_name="Victim"))
    client.force_login(trainee)
    return world


def _post(client, url, body):
    kind, data = body
    if kind == "json":
        return client.post(url, json.dumps(data), content_type="application/json")
    if kind == "raw":
        payload, content_type = data
        return client.post(url, payload, content_type=content_type)
    return client.post(url, data)


def _check(client, world, url, body):
    before = snapshot(world.trainee)
    response = _post(client, url, body)
    assert response.status_code < 500, (url, body, response.content[:500])
    after = snapshot(world.trainee)
    for key, rows in before.items():
        still = {row["pk"] if "pk" in row else row["id"]: row for row in after[key]}
        for row in rows:  # graded rows may be added (the trainee's own submit), never changed
            assert still.get(row.get("pk", row.get("id"))) == row, (key, url, body)
        if not key.startswith("graded"):
            assert len(after[key]) == len(rows), (key, url, body)


def bodies(world, names=()):
    tokens = world.tokens
    return (st.tuples(st.just("json"), answer_bodies(tokens))
            | st.tuples(st.just("form"), form_bodies(tokens, names))
            | st.tuples(st.just("raw"), raw_bodies()))


def url_ids(world, kind):
    return st.sampled_from(world.ids(kind) + (["own"] if kind == "attempt" else []) + MISSING)


ENDPOINTS = [  # URL name, what its id names (None: no id)
    ("courses:enrol", "course"),
    ("courses:complete_lesson", "lesson"),
    ("quizzes:start", "quiz"),
    ("quizzes:save", "attempt"),
    ("quizzes:confirm", "attempt"),
    ("quizzes:submit", "attempt"),
    ("accounts:profile", None),
    ("accounts:resend_verification", None),
    ("set_language", None),
    ("certification:credential-verify", None),
]
FIELDS = ["display_name", "preferred_language", "language"]  # the profile's and set_language's


def fuzz(client, world, name, kind):
    """EXAMPLES bodies (and ids) at one endpoint, each checked by `_check`."""

    @FUZZ
    @given(data=st.data())
    def run(data):
        args = []
        if kind is not None:
            chosen = data.draw(url_ids(world, kind), label="id")
            args = [world.own_open().pk if chosen == "own" else chosen]
        with translation.override("en"):
            url = reverse(name, args=args)
        _check(client, world, url, data.draw(bodies(world, FIELDS), label="body"))

    run()


def test_every_learner_post_answers_any_body_below_500_and_changes_nothing_it_does_not_own(client, world):
    """One world for all endpoints (building it is most of the cost); each endpoint gets its
    own EXAMPLES, and a failure names its URL and body."""
    for name, kind in ENDPOINTS:
        fuzz(client, world, name, kind)


def test_ids_beyond_every_column_are_not_found(client, world):
    """The URL's <int:…> takes any digits: an id no row can have is a 404, on either database."""
    for name, kind in ENDPOINTS:
        for pk in (2**63, 10**30) if kind else ():
            with translation.override("en"):
                response = client.post(reverse(name, args=[pk]))
            assert response.status_code == 404, (name, pk)
