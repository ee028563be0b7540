"""Mastery of skills: each grade (automatic or by a grader) adds its answers' evidence to the
person's mastery in the same transaction; a regrade recomputes it from the person's attempts;
`rebuild_mastery` computes the same from the attempts."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from content.models import Skill, SkillArea
from courses import api as courses_api
from quizzes import api, marking, mastery
from quizzes.models import Attempt, Question, SkillMastery
from tests.conftest import INSTRUCTORS, make_user


def choice(key, difficulty="medium"):
    return {"key": key, "type": "true_false", "stem": f"Statement {key}", "difficulty": difficulty,
            "answers": [{"text": "true", "fraction": 1}, {"text": "false", "fraction": 0}]}


ESSAY = {"key": "plan", "type": "essay", "points": 4, "stem": "Plan a campaign.", "essay": {"rubric": [
    {"key": "numbers", "title": "Numbers", "skills": ["data-analysis"],
     "levels": [{"points": 0, "title": "None"}, {"points": 2, "title": "Some"}, {"points": 4, "title": "All"}]}]}}


@pytest.fixture
def skills(db):
    area = SkillArea.objects.create(slug="data", name="数据", name_en="Data")
    return {slug: Skill.objects.create(slug=slug, area=area, name=slug, name_en=slug)
            for slug in ("data-analysis", "campaign-planning")}


@pytest.fixture
def skilled_quiz(practice_quiz, skills):
    tree, quiz = practice_quiz(choice("c1"), choice("c2", "hard"), choice("c3", "easy"))
    for question in Question.objects.filter(key__in=["c1", "c2", "c3"]):
        question.skills.set([skills["data-analysis"]] + ([skills["campaign-planning"]] if question.key == "c1" else []))
        question.save()  # a parental relation is written with its question
    return tree, quiz


def take(quiz, person, right):
    """Start, answer each question right if its key is in `right`, submit."""
    attempt = api.start_attempt(person, quiz)
    for question in attempt.questions.all():
        wanted = "true" if question.spec["key"] in right else "false"
        api.save_answer(person, attempt.pk, question.position,
                        next(a["token"] for a in question.spec["answers"] if a["text"] == wanted))
    return api.submit_attempt(person, attempt.pk)


def enrolled(quiz, email="learner@example.com"):
    person = make_user(email)
    courses_api.enrol_learner(person, quiz.get_parent().get_parent().specific)
    return person


def test_the_rule_weighs_hard_questions_more_and_old_answers_less():
    now = timezone.now()
    assert mastery.value_of([(1.0, 1.5, now), (0.0, 0.75, now)]) == pytest.approx(1.5 / 2.25)
    # An answer graded 90 days before the newest counts half.
    assert mastery.value_of([(0.0, 1.0, now - timedelta(days=90)), (1.0, 1.0, now)]) == pytest.approx(2 / 3)
    assert mastery.level_of(0.9, 2) is None  # not enough evidence
    assert [mastery.level_of(v, 3) for v in (0.39, 0.4, 0.65, 0.85)] == [0, 1, 2, 3]


def test_grading_adds_the_evidence_to_mastery_in_the_same_transaction(skilled_quiz, skills):
    _tree, quiz = skilled_quiz
    person = enrolled(quiz)
    take(quiz, person, right={"c1", "c2"})  # c3 (easy) wrong
    data = SkillMastery.objects.get(user=person, skill=skills["data-analysis"])
    assert data.evidence == 3 and data.value == pytest.approx((1 + 1.5) / (1 + 1.5 + 0.75))
    assert data.level == 2 and data.previous is None
    campaign = SkillMastery.objects.get(user=person, skill=skills["campaign-planning"])
    assert campaign.evidence == 1 and campaign.value == 1.0
    take(quiz, person, right={"c1", "c2", "c3"})
    data.refresh_from_db()
    assert data.evidence == 6 and data.previous == pytest.approx(2.5 / 3.25) and data.value > data.previous


def test_an_essay_criterion_evidences_its_own_skill_and_a_regrade_replaces_it(practice_quiz, skills):
    _tree, quiz = practice_quiz(ESSAY)
    person = enrolled(quiz)
    attempt = api.start_attempt(person, quiz)
    api.submit_attempt(person, attempt.pk)
    essay = attempt.questions.get()
    assert not SkillMastery.objects.exists()  # nothing until a grader grades it
    grader = make_user("teacher@example.com", INSTRUCTORS)
    marking.grade_essay(grader, essay.pk, {"levels": {"numbers": 1}})
    assert list(SkillMastery.objects.values_list("skill__slug", "value", "evidence")) == [("data-analysis", 0.5, 1)]
    marking.grade_essay(grader, essay.pk, {"levels": {"numbers": 2}}, reason="Read the appendix")
    row = SkillMastery.objects.get(user=person)
    assert (row.skill.slug, row.value, row.evidence, row.previous) == ("data-analysis", 1.0, 1, 0.5)


def test_a_regrade_after_a_question_lost_its_skill_empties_that_skill_for_hr_to_see(practice_quiz, skills):
    from hr.skill_summary import digest_of

    _tree, quiz = practice_quiz(ESSAY)
    question = Question.objects.get(key="plan")
    question.skills.set([skills["campaign-planning"]])
    question.save()
    person = enrolled(quiz)
    attempt = api.start_attempt(person, quiz)
    api.submit_attempt(person, attempt.pk)
    grader = make_user("teacher@example.com", INSTRUCTORS)
    essay = attempt.questions.get()
    marking.grade_essay(grader, essay.pk, {"levels": {"numbers": 2}})
    assert dict(SkillMastery.objects.values_list("skill__slug", "evidence")) == {
        "data-analysis": 1, "campaign-planning": 1}
    before = digest_of([])
    question.skills.clear()
    question.save()
    marking.grade_essay(grader, essay.pk, {"levels": {"numbers": 1}}, reason="Recounted")
    rows = {row.skill.slug: row for row in SkillMastery.objects.select_related("skill")}
    assert (rows["campaign-planning"].evidence, rows["campaign-planning"].level) == (0, 0)
    assert (rows["data-analysis"].value, rows["data-analysis"].previous) == (0.5, 1.0)
    assert digest_of([]) != before


def test_an_attempt_added_to_the_running_sums_gives_the_rule_over_all_evidence(skilled_quiz, skills):
    _tree, quiz = skilled_quiz
    person = enrolled(quiz)
    take(quiz, person, {"c1", "c2", "c3"})
    Attempt.objects.update(finished_at=timezone.now() - timedelta(days=180))  # graded two half-lives ago
    mastery.recompute(person.pk)
    take(quiz, person, set())  # all wrong today: added by the grading upsert
    data = SkillMastery.objects.get(user=person, skill=skills["data-analysis"])
    # the old answers weigh a quarter: (3.25 / 4) / (3.25 / 4 + 3.25)
    assert (data.value, data.level, data.evidence, data.previous) == (pytest.approx(0.2), 0, 6, 1.0)
    evidence = mastery.evidence_of_person(person.pk)
    for row in SkillMastery.objects.filter(user=person):
        mine = [(fraction, weight, at) for _u, skill, _a, fraction, weight, at in evidence if skill == row.skill_id]
        assert row.value == pytest.approx(mastery.value_of(mine)) and row.evidence == len(mine)


def test_rebuilding_from_the_attempts_gives_what_grading_wrote(skilled_quiz, practice_quiz):
    _tree, quiz = skilled_quiz
    people = [enrolled(quiz, f"p{n}@example.com") for n in range(3)]
    for n, person in enumerate(people):
        for right in ({"c1"}, {"c1", "c2"}, {"c2", "c3"})[: n + 1]:
            take(quiz, person, right)
    def mastery_rows():  # values to 12 places: grading sums in SQL, the rebuild in Python, in another order
        return {(u, s, round(v, 12), level, n) for u, s, v, level, n in
                SkillMastery.objects.values_list("user_id", "skill_id", "value", "level", "evidence")}

    written = mastery_rows()
    SkillMastery.objects.update(value=0, level=0)
    call_command("rebuild_mastery", stdout=open("/dev/null", "w"))
    assert mastery_rows() == written


@pytest.mark.parametrize("history", [1, 8])
def test_submitting_costs_the_same_queries_whatever_the_history(
        client, skilled_quiz, history, django_assert_num_queries):
    _tree, quiz = skilled_quiz
    person = enrolled(quiz)
    for _ in range(history):
        take(quiz, person, right={"c1"})
    attempt = api.start_attempt(person, quiz)
    client.force_login(person)
    # … the submit of test_attempts' budget, with the upsert of the person's mastery from the
    # scored questions and their skills
    with django_assert_num_queries(7):
        client.post(f"/zh-hans/quizzes/attempts/{attempt.pk}/submit/")


def test_readiness_counts_skills_held_at_the_required_level_and_names_the_gaps():
    from quizzes.readiness import readiness

    requirements = [(1, 10, 1), (1, 11, 2), (1, 12, 2), (2, 10, 3)]
    result = readiness(requirements, {10: (2, 5), 11: (1, 9), 12: (3, 2)})
    assert (result[1].held, result[1].required, result[1].percent, result[1].ready) == (1, 3, 33, False)
    assert [(g.skill_id, g.required, g.level) for g in result[1].gaps] == [(11, 2, 1), (12, 2, None)]
    assert result[2].percent == 0 and [g.level for g in result[2].gaps] == [2]
