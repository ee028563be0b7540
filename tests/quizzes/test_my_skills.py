"""The trainee's skills page (/<lang>/my-skills/): their own mastery by area, "not enough
evidence" without a number, readiness for each role of the ladder with its gaps, the lessons
that teach their weak skills in the page's language, and the rule behind the numbers."""

import pytest
from bs4 import BeautifulSoup
from django.utils import timezone

from content.models import Role, RoleRequirement, Skill, SkillArea
from courses.models import LessonPage
from quizzes import mastery
from quizzes.models import Question, SkillMastery
from tests.conftest import make_user
from tests.quizzes.test_mastery import choice, enrolled, take

URL = "/{}/my-skills/"


def page(client, lang="en"):
    response = client.get(URL.format(lang))
    assert response.status_code == 200
    return BeautifulSoup(response.content, "html.parser")


def text(node):
    return " ".join(node.get_text(" ").split())


def master(user, skill, value, evidence, previous=None):
    """A mastery row as grading writes it."""
    return SkillMastery.objects.create(user=user, skill=skill, value=value, evidence=evidence, previous=previous,
                                       level=mastery.level_of(value, evidence) or 0, updated_at=timezone.now())


def build_framework(skills_per_area=(2, 2), roles=2, requires=None):
    """Areas a0, a1… with skills s0, s1…, each described at three levels; roles r0 → r1 → … with
    `requires` ({role index: {skill index: level}}, default: r0 needs s0 ≥ 1, r1 needs every
    skill ≥ 2)."""
    skills = []
    for a, count in enumerate(skills_per_area):
        area = SkillArea.objects.create(slug=f"a{a}", name=f"领域{a}", name_en=f"Area {a}", sort_order=a)
        for _ in range(count):
            n = len(skills)
            skills.append(Skill.objects.create(
                slug=f"s{n}", area=area, name=f"技能{n}", name_en=f"Skill {n}", sort_order=n,
                description=f"描述{n}", description_en=f"About skill {n}",
                levels={str(level): {"zh-hans": f"技能{n}第{level}级", "en": f"Skill {n} at level {level}"}
                        for level in (1, 2, 3)}))
    ladder = [Role.objects.create(slug=f"r{r}", name=f"角色{r}", name_en=f"Role {r}", sort_order=r)
              for r in range(roles)]
    for lower, upper in zip(ladder, ladder[1:]):
        lower.next_role = upper
        lower.save()
    if requires is None:
        requires = {0: {0: 1}, **{r: {s: 2 for s in range(len(skills))} for r in range(1, roles)}}
    for r, needs in requires.items():
        RoleRequirement.objects.bulk_create(RoleRequirement(role=ladder[r], skill=skills[s], level=level)
                                            for s, level in needs.items())
    return skills, ladder


def test_anonymous_people_are_sent_to_log_in(client, db):
    response = client.get(URL.format("en"))
    assert response.status_code == 302
    assert response["Location"].startswith("/en/accounts/login/?next=/en/my-skills/")


def test_without_a_framework_the_page_says_so_kindly(trainee_client):
    soup = page(trainee_client)
    assert "has not been set up yet" in text(soup.select_one(".empty"))
    assert not soup.select(".skill") and not soup.select(".role")


def test_a_person_without_evidence_sees_every_skill_muted_and_no_role_ready(trainee_client):
    build_framework()
    soup = page(trainee_client)
    assert "No graded answers yet" in text(soup.select_one(".notice--skills"))
    skills = soup.select(".skill")
    assert len(skills) == 4 and all("skill--untested" in s["class"] for s in skills)
    assert all("No answers yet" in text(s) for s in skills)
    assert not soup.select(".skill progress")  # no number, no bar
    assert [text(h) for h in soup.select(".skill-area h2")] == ["Area 0", "Area 1"]
    roles = soup.select(".role")
    assert [r.select_one("progress")["value"] for r in roles] == ["0", "0"]
    # Ready for none: the ladder's first step is the next one.
    assert "role--next" in roles[0]["class"] and "role--next" not in roles[1]["class"]
    assert "not enough evidence" in text(roles[0].select_one(".gaps"))
    assert "answers have been graded" in text(soup.select_one(".skills-practise"))


def test_a_framework_without_roles_still_shows_the_skills(trainee, trainee_client):
    skills, _roles = build_framework(roles=0, requires={})
    master(trainee, skills[0], 0.5, 3)
    soup = page(trainee_client)
    assert "No roles are defined yet" in text(soup.select_one(".skills-roles"))
    assert len(soup.select(".skill")) == 4 and "50%" in text(soup.select_one(".skill"))


def test_a_trainee_sees_their_own_mastery_and_never_anyone_elses(trainee, trainee_client):
    skills, _roles = build_framework()
    master(trainee, skills[0], 0.72, 5, previous=0.60)
    someone = make_user("someone@example.com")
    for skill in skills:
        master(someone, skill, 0.93, 40)
    soup = page(trainee_client)
    first, second = soup.select(".skill")[:2]
    assert "72%" in text(first) and "5 answers" in text(first) and "Practitioner" in text(first)
    assert first.select_one("progress")["value"] == "72"
    assert "skill--untested" in second["class"]
    assert "93" not in soup.select_one("main").get_text() and "40 answers" not in soup.get_text()


def test_below_the_least_evidence_the_page_says_so_without_a_number(trainee, trainee_client):
    skills, _roles = build_framework()
    master(trainee, skills[0], 0.77, mastery.MIN_EVIDENCE - 1, previous=0.2)
    card = page(trainee_client).select(".skill")[0]
    assert "Not enough evidence" in text(card)
    assert f"2 answers of the {mastery.MIN_EVIDENCE} needed" in text(card)
    assert "77" not in text(card) and not card.select("progress") and not card.select(".trend")
    assert "skill--untested" not in card["class"]
    # Nothing measured yet, so the next level to describe is the first.
    assert "To reach Foundation: Skill 0 at level 1" in text(card)


def test_the_trend_arrow_has_words_for_screen_readers(trainee, trainee_client):
    skills, _roles = build_framework()
    master(trainee, skills[0], 0.70, 4, previous=0.50)
    master(trainee, skills[1], 0.70, 4, previous=0.68)
    master(trainee, skills[2], 0.40, 4, previous=0.55)
    master(trainee, skills[3], 0.40, 4)  # first measure: no trend
    cards = page(trainee_client).select(".skill")
    trends = [card.select_one(".trend") for card in cards]
    assert [t and t["class"][1] for t in trends] == ["trend--up", "trend--steady", "trend--down", None]
    assert text(trends[0].select_one(".visually-hidden")) == "Rising since the grade before"
    assert trends[0].select_one("[aria-hidden]").get_text() == "↑"
    assert text(trends[2].select_one(".visually-hidden")) == "Falling since the grade before"


def test_readiness_counts_skills_at_the_required_level_and_lists_the_gaps(trainee, trainee_client):
    skills, roles = build_framework(skills_per_area=(3,), roles=3, requires={
        0: {0: 1}, 1: {0: 1, 1: 2, 2: 2}, 2: {0: 3, 1: 3, 2: 3}})
    master(trainee, skills[0], 0.70, 5)  # Practitioner
    master(trainee, skills[1], 0.50, 4)  # Foundation
    master(trainee, skills[2], 0.99, 2)  # not enough evidence
    rows = page(trainee_client).select(".role")
    assert [text(r.select_one(".role__name strong")) for r in rows] == ["Role 0", "Role 1", "Role 2"]
    assert [r.select_one("progress")["value"] for r in rows] == ["100", "33", "0"]
    assert "1 of 3 skills · 33%" in text(rows[1])
    assert "role--ready" in rows[0]["class"] and "Ready" in text(rows[0])
    # Ready for Role 0, so Role 1 is the next step, its gaps open.
    assert [("role--next" in r["class"]) for r in rows] == [False, True, False]
    assert rows[1]["aria-current"] == "step" and rows[1].select_one("details").has_attr("open")
    gaps = [text(li) for li in rows[1].select(".gaps li")]
    assert gaps == ["Skill 1 needs Practitioner · now Foundation", "Skill 2 needs Practitioner · not enough evidence"]
    assert [text(li) for li in rows[2].select(".gaps li")][0] == "Skill 0 needs Expert · now Practitioner"


def test_the_ladder_orders_roles_by_their_next_steps_not_their_sort_order(trainee_client):
    _skills, (r0, r1) = build_framework()
    r0.next_role, r0.sort_order = None, 5  # the ladder is now r1 → r0
    r0.save()
    r1.next_role = r0
    r1.save()
    rows = page(trainee_client).select(".role")
    assert [text(r.select_one(".role__name strong")) for r in rows] == ["Role 1", "Role 0"]


def test_mastery_written_by_real_grading_shows_on_the_page(practice_quiz, client):
    skills, _roles = build_framework(skills_per_area=(1,), roles=1)
    _tree, quiz = practice_quiz(choice("c1"), choice("c2", "hard"), choice("c3", "easy"))
    for question in Question.objects.filter(key__in=["c1", "c2", "c3"]):
        question.skills.set([skills[0]])
        question.save()
    person = enrolled(quiz)
    take(quiz, person, right={"c1", "c2"})  # (1 + 1.5) / (1 + 1.5 + 0.75) = 77 %
    client.force_login(person)
    soup = page(client)
    card = soup.select_one(".skill")
    assert "77%" in text(card) and "3 answers" in text(card) and "Practitioner" in text(card)
    assert "To reach Expert: Skill 0 at level 3" in text(card)
    role = soup.select_one(".role")
    assert "role--ready" in role["class"] and role.select_one("progress")["value"] == "100"


def link(lesson, *skills):
    for skill in skills:
        LessonPage.skills.through.objects.create(lessonpage=lesson, skill=skill)


def test_practise_next_links_the_lessons_of_weak_skills_in_the_pages_language(trainee, trainee_client, tree):
    skills, _roles = build_framework(skills_per_area=(4,))
    lesson, other, half = tree.lessons[0][0], tree.lessons[0][1], tree.lessons[1][0]
    link(lesson, skills[0])
    link(tree.en(other), skills[1])  # a link made on the English page counts too
    link(half, skills[0])
    tree.en(half).unpublish()  # live in Chinese only
    link(tree.lessons[1][1], skills[2])  # strong skill: not offered
    master(trainee, skills[0], 0.30, 6)  # below Foundation
    master(trainee, skills[1], 0.90, 1)  # not enough evidence
    master(trainee, skills[2], 0.90, 6)  # Expert
    # skills[3]: no evidence at all, not offered
    link(tree.lessons[1][2], skills[3])

    english = page(trainee_client).select_one(".skills-practise")
    assert [text(li.select_one(".practise__skill strong")) for li in english.select(".practise > li")] == [
        "Skill 0", "Skill 1"]
    assert [(a.get_text(), a["href"]) for a in english.select(".practise__lessons a")] == [
        ("Lesson 1-1", tree.en(lesson).url), ("Lesson 1-2", tree.en(other).url)]
    assert all(a["href"].startswith("/en/") for a in english.select(".practise__lessons a"))

    chinese = page(trainee_client, "zh-hans").select_one(".skills-practise")
    assert [(a.get_text(), a["href"]) for a in chinese.select(".practise__lessons a")] == [
        ("课1-1", lesson.url), ("课2-1", half.url), ("课1-2", other.url)]


def test_practise_next_offers_at_most_five_skills_the_next_roles_gaps_first(trainee, trainee_client, tree):
    skills, _roles = build_framework(skills_per_area=(7,), roles=2, requires={0: {6: 1}, 1: {0: 1}})
    for n, skill in enumerate(skills):
        master(trainee, skill, 0.10 + n * 0.01, 5)  # all below Foundation, skill 6 the strongest
        link(tree.lessons[0][0], skill)
    names = [text(s) for s in page(trainee_client).select(".practise__skill strong")]
    # Role 0 (needs s6) is the next step: its gap comes first, then the weakest.
    assert names == ["Skill 6", "Skill 0", "Skill 1", "Skill 2", "Skill 3"]


def test_the_page_states_the_rule_and_links_from_the_dashboard_and_the_menu(trainee_client):
    build_framework()
    soup = page(trainee_client)
    rule = text(soup.select_one(".skills-rule"))
    assert "share of points" in rule and "90 days" in rule and f"below {mastery.MIN_EVIDENCE} answers" in rule
    assert "Foundation from 40%, Practitioner from 65%, Expert from 85%" in text(soup.select_one(".hero"))
    assert soup.select_one('nav.topnav a[href="/en/my-skills/"]')
    dashboard = BeautifulSoup(trainee_client.get("/en/my-learning/").content, "html.parser")
    assert dashboard.select_one('.hero a[href="/en/my-skills/"]')


def test_the_page_reads_names_in_the_active_language(trainee, client):
    skills, _roles = build_framework()
    master(trainee, skills[0], 0.72, 5)
    client.force_login(trainee)
    soup = page(client, "zh-hans")
    assert [text(h) for h in soup.select(".skill__name")][:2] == ["技能0", "技能1"]
    assert "技能0第3级" in text(soup.select_one(".skill"))


def test_a_post_is_refused(trainee_client):
    assert trainee_client.post(URL.format("en")).status_code == 405


@pytest.mark.parametrize("size", ["small", "large"])
def test_the_page_costs_the_same_queries_whatever_the_size(size, trainee, trainee_client, tree,
                                                           django_assert_max_num_queries):
    if size == "small":
        build_framework(skills_per_area=(3, 2), roles=2)
    else:
        skills, _roles = build_framework(skills_per_area=(6,) * 5, roles=4, requires={
            r: {s: 1 + (s + r) % 3 for s in range(r * 5, r * 5 + 10)} for r in range(4)})
        others = [make_user(f"p{n}@example.com") for n in range(7)]
        SkillMastery.objects.bulk_create(
            SkillMastery(user=person, skill=skill, value=0.5, level=1, evidence=5, updated_at=timezone.now())
            for person in others for skill in skills[: 200 // len(others) + 1])
        for n, skill in enumerate(skills):
            master(trainee, skill, (n % 10) / 10, 1 + n % 6, previous=0.5)
            link(tree.lessons[n % 2][n % 3], skill)
            link(tree.en(tree.lessons[n % 2][(n + 1) % 3]), skill)
    page(trainee_client)  # warm the site-root cache
    # session, user, skills with their areas, the trainee's mastery, roles, requirements; with
    # weak skills also the lesson links, view restrictions, the lessons and the request's site
    with django_assert_max_num_queries(10):
        page(trainee_client)
