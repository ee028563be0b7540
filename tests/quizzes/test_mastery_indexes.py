"""A person's mastery rows carry no index of their own on user or skill (migration 0016): the
unique (user, skill) and the (skill, level) indexes lead with those columns, and what the
foreign keys are for — a deleted person or skill takes its rows with it — still holds."""

from django.utils import timezone

from content.models import Skill, SkillArea
from quizzes.models import SkillMastery
from tests.conftest import make_user
from tests.quizzes.conftest import indexes_of


def test_user_and_skill_are_found_through_the_indexes_that_lead_with_them(db):
    indexes = indexes_of(SkillMastery)
    assert indexes[("user_id", "skill_id")] is True and ("skill_id", "level") in indexes
    assert ("user_id",) not in indexes and ("skill_id",) not in indexes
    assert ("updated_at",) in indexes  # HR's heatmap summary reads the newest change


def test_deleting_a_person_or_a_skill_deletes_their_mastery(db):
    area = SkillArea.objects.create(slug="data", name="数据", name_en="Data")
    analysis, sql = (Skill.objects.create(slug=slug, area=area, name=slug, name_en=slug)
                     for slug in ("analysis", "sql"))
    ann, bob = make_user("ann@example.com"), make_user("bob@example.com")
    for person in (ann, bob):
        for skill in (analysis, sql):
            SkillMastery.objects.create(user=person, skill=skill, value=0.5, level=1, updated_at=timezone.now())
    ann.delete()
    assert sorted(SkillMastery.objects.values_list("user__email", "skill__slug")) == [
        ("bob@example.com", "analysis"), ("bob@example.com", "sql")]
    sql.delete()
    assert list(SkillMastery.objects.values_list("user__email", "skill__slug")) == [("bob@example.com", "analysis")]
