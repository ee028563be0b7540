"""A start's random numbers come from the operating system a block at a time
(`quizzes.randomness.PooledSystemRandom`), each number from its own bytes as SystemRandom
makes it: right ranges, no byte used twice, every order reachable, and a start asks the system
a few times rather than once per answer."""

import collections
import os
import random
import re
from unittest import mock

from django.urls import reverse

from courses import api as courses_api
from quizzes.models import AttemptQuestion
from quizzes.randomness import PooledSystemRandom


def test_numbers_are_in_range_and_no_byte_is_used_twice():
    served = []
    with mock.patch("quizzes.randomness.os.urandom", side_effect=_recording(served)):
        rng = PooledSystemRandom(block=64)
        taken = [rng.randbytes(n) for n in (5, 7, 30, 40, 64, 100, 1)]
        assert all(0 <= rng.random() < 1 for _ in range(500))
        assert all(0 <= rng.getrandbits(k) < 2**k for k in range(0, 70) for _ in range(5))
    assert [len(chunk) for chunk in taken] == [5, 7, 30, 40, 64, 100, 1]
    # the pieces handed out are consecutive slices of what the system gave, never overlapping
    stream, position = b"".join(served), 0
    for chunk in taken:
        position = stream.index(chunk, position) + len(chunk)


def _recording(served):
    real = os.urandom

    def urandom(n):
        served.append(real(n))
        return served[-1]

    return urandom


def test_tokens_look_like_secrets_tokens_and_differ():
    rng = PooledSystemRandom()
    tokens = [rng.token() for _ in range(2000)]
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{8}", token) for token in tokens)
    assert len(set(tokens)) == len(tokens)


def test_every_order_of_four_answers_comes_up_about_equally():
    rng = PooledSystemRandom()
    counts = collections.Counter()
    for _ in range(24_000):
        order = [1, 2, 3, 4]
        rng.shuffle(order)
        counts[tuple(order)] += 1
    assert len(counts) == 24
    assert all(800 <= n <= 1200 for n in counts.values()), counts  # 1,000 each expected; σ ≈ 31


def test_sample_and_choice_work_as_systemrandoms():
    rng = PooledSystemRandom(block=16)
    picked = rng.sample(range(100), 20)
    assert len(set(picked)) == 20 and all(0 <= p < 100 for p in picked)
    assert isinstance(rng, random.SystemRandom)


def test_a_start_asks_the_system_for_randomness_a_few_times_not_per_answer(client, quiz_setup, trainee):
    courses_api.enrol_learner(trainee, quiz_setup.tree.course)
    client.force_login(trainee)
    real, calls = os.urandom, []

    def counted(n):
        calls.append(n)
        return real(n)

    with mock.patch("quizzes.randomness.os.urandom", counted):
        response = client.post(reverse("quizzes:start", args=[quiz_setup.quiz.pk]))
    assert response.status_code == 302
    answers = sum(len(q.spec["answers"]) for q in AttemptQuestion.objects.filter(attempt__user=trainee))
    assert answers >= 15  # a token each, the shuffles and the draw on top
    assert 1 <= len(calls) <= 2
