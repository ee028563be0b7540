"""bench/scale.py's seeding: trainees copied in SQL from a template trainee made by the real code."""

import json
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from accounts.models import EmployeeProfile
from bench import scale
from certification.models import Certificate
from courses.models import Enrolment, LessonProgress
from quizzes.models import Attempt, AttemptQuestion, AttemptStatus, SkillMastery


@pytest.fixture
def seeded(db):
    call_command("load_curriculum", stdout=StringIO())
    world = scale.build_world()
    seeder = scale.Seeder(world)
    scale.finish_world(world)
    return world, seeder


def test_twenty_trainees_get_their_rows_and_growing_adds_only_new_ones(seeded, client):
    world, seeder = seeded
    added = seeder.grow(20)
    trainees = get_user_model().objects.filter(username__startswith="s0")
    assert trainees.count() == added["user"] == 20
    assert added["progress"] == LessonProgress.objects.filter(user__in=trainees).count() == sum(
        i % scale.LESSONS_READ for i in range(20))
    assert Enrolment.objects.filter(user__in=trainees).count() == 20
    assert EmployeeProfile.objects.filter(user__in=trainees).count() == 20
    assert Certificate.objects.filter(user__in=trainees).count() == 20 * scale.CERTIFICATES
    assert SkillMastery.objects.filter(user__in=trainees).count() == 20 * scale.MASTERY
    answers = AttemptQuestion.objects.filter(attempt__user__in=trainees)
    assert answers.count() == added["answer"]
    assert 0.8 * scale.ANSWERS <= added["answer"] / 20 <= 1.2 * scale.ANSWERS
    assert not Attempt.objects.filter(user__in=trainees).exclude(status=AttemptStatus.FINISHED).exists()
    # the copies carry the template's snapshots and answers, attached to the trainee's own attempt
    template = AttemptQuestion.objects.filter(attempt__user_id=world["template"])
    frozen = {json.dumps(spec, sort_keys=True) for spec in template.values_list("spec", flat=True)}
    assert {json.dumps(spec, sort_keys=True) for spec in answers.values_list("spec", flat=True)} <= frozen
    assert answers.filter(response__isnull=False).exists()

    seeder.grow(30)
    assert get_user_model().objects.filter(username__startswith="s0").count() == 30
    assert Certificate.objects.filter(user__in=trainees).count() == 30 * scale.CERTIFICATES

    client.force_login(trainees.order_by("pk").last())
    response = client.get("/zh-hans/my-learning/")
    assert response.status_code == 200
