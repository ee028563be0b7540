"""The skills framework file: read with the line of every mistake, written idempotently by
load_curriculum, which links lessons (both languages) and questions to its skills; a question
naming a skill the framework lacks is a load error at its line, and nothing is written."""

import pytest

from content.curriculum import CurriculumError, read_curriculum
from content.models import Role, RoleRequirement, Skill
from content.skills import read_skills
from courses.curriculum import load_curriculum
from courses.models import LessonPage
from quizzes.models import Question
from tests.conftest import write_curriculum

FRAMEWORK = """\
levels:
  1: {zh-hans: 入门, en: Foundation}
  2: {zh-hans: 熟练, en: Practitioner}
  3: {zh-hans: 专家, en: Expert}
areas:
  - slug: data
    name: {zh-hans: 数据, en: Data}
    skills:
      - slug: metrics
        name: {zh-hans: 指标, en: Metrics}
        description: {zh-hans: 读懂指标, en: Reading metrics}
        levels:
          1: {zh-hans: 认得, en: Knows them}
          2: {zh-hans: 会算, en: Computes them}
          3: {zh-hans: 会设计, en: Designs them}
        lessons: [module-1/lesson-1-1]
      - slug: testing
        name: {zh-hans: 实验, en: Experiments}
        levels:
          1: {zh-hans: 一, en: One}
          2: {zh-hans: 二, en: Two}
          3: {zh-hans: 三, en: Three}
roles:
  - slug: specialist
    name: {zh-hans: 专员, en: Specialist}
    next: manager
    requires: {metrics: 1}
  - slug: manager
    name: {zh-hans: 经理, en: Manager}
    next: null
    requires: {metrics: 2, testing: 2}
"""
QUESTIONS = """\
- key: q-metrics
  type: true_false
  skills: [metrics]
  stem: {zh-hans: 日活是指标。, en: DAU is a metric.}
  answer: true
"""


def curriculum(tmp_path, framework=FRAMEWORK, questions=QUESTIONS):
    folder = write_curriculum(tmp_path / "c")
    (folder / "skills.yaml").write_text(framework, encoding="utf-8")
    (folder / "01-module-1" / "questions.yaml").write_text(questions, encoding="utf-8")
    return folder


def test_the_framework_is_written_with_lessons_and_questions_linked_and_a_second_load_changes_nothing(db, tmp_path):
    folder = curriculum(tmp_path)
    load_curriculum(folder)
    assert list(Skill.objects.values_list("slug", flat=True)) == ["metrics", "testing"]
    metrics = Skill.objects.get(slug="metrics")
    assert metrics.levels["2"] == {"zh-hans": "会算", "en": "Computes them"}
    assert sorted(metrics.lessons.values_list("locale__language_code", "slug")) == [
        ("en", "lesson-1-1"), ("zh-hans", "lesson-1-1")]
    assert set(Question.objects.values_list("skills__slug", flat=True)) == {"metrics"}
    manager = Role.objects.get(slug="manager")
    assert Role.objects.get(slug="specialist").next_role == manager
    assert sorted(manager.requirements.values_list("skill__slug", "level")) == [("metrics", 2), ("testing", 2)]
    state = (list(Skill.objects.values_list("pk", "slug", "levels")), RoleRequirement.objects.count(),
             LessonPage.skills.through.objects.count())
    load_curriculum(folder)
    assert (list(Skill.objects.values_list("pk", "slug", "levels")), RoleRequirement.objects.count(),
            LessonPage.skills.through.objects.count()) == state


def replaced(old, new):
    assert old in FRAMEWORK
    return FRAMEWORK.replace(old, new)


@pytest.mark.parametrize("framework, line, message", [
    (replaced("      - slug: testing", "      - slug: metrics"), 17, "the skill 'metrics' is defined twice"),
    (replaced("          3: {zh-hans: 三, en: Three}", "          4: {zh-hans: 三, en: Three}"), 19,
     "needs the levels 1, 2, 3"),
    (replaced("          2: {zh-hans: 会算, en: Computes them}", "          2: {zh-hans: 会算}"), 14, "needs both"),
    (replaced("lessons: [module-1/lesson-1-1]", "lessons: [module-1/lesson-9]"), 16, "no lesson 'lesson-9'"),
    (replaced("requires: {metrics: 2, testing: 2}", "requires: {metrics: 2, writing: 2}"), 31,
     "unknown skill 'writing'"),
    (replaced("requires: {metrics: 1}", "requires: {metrics: 4}"), 27, "must be one of 1, 2, 3"),
    (replaced("    next: null", "    next: specialist"), 26, "comes back to 'specialist'"),
    (replaced("  - slug: data", "  - slug: Data!"), 6, "is not a slug"),
    (FRAMEWORK + "colour: red\n", 32, "unknown key 'colour'"),
])
def test_mistakes_in_the_framework_name_their_line(db, tmp_path, framework, line, message):
    folder = curriculum(tmp_path, framework=framework)
    with pytest.raises(CurriculumError) as error:
        read_curriculum(folder)
    assert error.value.path.name == "skills.yaml" and message in error.value.message
    assert error.value.line == line, error.value


def test_a_question_naming_an_unknown_skill_is_refused_at_its_line_and_nothing_is_written(db, tmp_path):
    folder = curriculum(tmp_path, questions=QUESTIONS.replace("skills: [metrics]", "skills:\n    - metrics\n    - seo"))
    with pytest.raises(CurriculumError) as error:
        load_curriculum(folder)
    assert error.value.path.name == "questions.yaml" and error.value.line == 5
    assert "unknown skill 'seo'" in error.value.message
    assert not Skill.objects.exists() and not LessonPage.objects.exists()


def test_the_shipped_framework_reads_and_its_roles_form_one_ladder(settings):
    framework = read_skills(settings.CURRICULUM_DIR / "skills.yaml")
    assert len(framework.skills) >= 20 and len({area for area, _name in framework.areas}) >= 5
    following = {role.slug: role.next for role in framework.roles}
    starts = set(following) - set(following.values())
    assert len(starts) == 1 and len(framework.roles) == 4
    read_curriculum(settings.CURRICULUM_DIR)  # every question's and lesson's skill is in it


def test_a_framework_file_that_is_not_yaml_names_its_line(tmp_path):
    path = tmp_path / "skills.yaml"
    path.write_text("levels:\n  1: [unclosed\n", encoding="utf-8")
    with pytest.raises(CurriculumError, match="invalid YAML"):
        read_skills(path)
