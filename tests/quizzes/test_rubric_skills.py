"""A rubric criterion names skills of the framework; in the admin's question editor an unknown
slug is refused with its name, as the curriculum loader refuses it."""

import pytest
from django.core.exceptions import ValidationError

from content.models import Skill, SkillArea
from quizzes.models import Question, QuestionBank


def essay(*skills):
    return {"rubric": [{"key": "numbers", "title": "Numbers", "skills": list(skills),
                        "levels": [{"title": "None", "points": 0}, {"title": "All", "points": 4}]}]}


@pytest.fixture
def question(db):
    area = SkillArea.objects.create(slug="data", name="数据", name_en="Data")
    Skill.objects.create(slug="data-analysis", area=area, name="数据分析", name_en="Data analysis")
    bank = QuestionBank.objects.create(slug="ops", title="Operations")
    return Question(bank=bank, key="plan", question_type="essay", stem="Plan a campaign.", points=4)


def test_a_criterion_naming_an_unknown_skill_is_refused_with_its_slug(question):
    question.essay = essay("data-analysis", "data-analysys")
    with pytest.raises(ValidationError) as refused:
        question.clean()
    assert "data-analysys" in str(refused.value) and "data-analysis," not in str(refused.value)


def test_a_criterion_naming_framework_skills_is_accepted(question):
    question.essay = essay("data-analysis")
    question.clean()
