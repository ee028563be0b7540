"""`manage.py setup_demo` (now in hr, on top of every other app) seeds the demo accounts,
organisation and capstone attempts once, only in demo mode."""

import io
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db.models import Avg

from accounts.models import Department, EmployeeProfile
from certification.models import Certificate, CertificateRule
from content.models import Role, RoleRequirement, Skill
from courses.curriculum import load_curriculum
from courses.models import Assignment, Enrolment
from quizzes import marking
from quizzes.models import Attempt, AttemptQuestion, AttemptStatus, GradeChange, QuizPage, SkillMastery
from quizzes.readiness import readiness
from tests.conftest import write_curriculum
from tests.quizzes.test_capstone import MODULE_QUESTIONS


def test_setup_demo_seeds_the_organisation_once(client, make_tree, settings):
    settings.DEMO_MODE = True
    make_tree(modules=3)
    for _ in range(2):  # the second run keeps what exists
        call_command("setup_demo", stdout=io.StringIO())
    assert Department.objects.count() == 4 and EmployeeProfile.objects.count() == 8
    assert Assignment.objects.count() == 2
    assert Enrolment.objects.filter(user__email="trainee@demo.local").exists()
    client.force_login(get_user_model().objects.get(email="hr@demo.local"))
    assert client.get("/admin/hr/").status_code == 200


def test_setup_demo_refuses_outside_demo_mode(db, settings):
    settings.DEMO_MODE = False
    with pytest.raises(CommandError, match="demo mode"):
        call_command("setup_demo", stdout=io.StringIO())


def test_setup_demo_leaves_one_capstone_graded_with_its_rubric_and_one_awaiting_its_grader(db, tmp_path, settings):
    """The demo trainee has done every module and the final exam; their first capstone answer was
    graded by the demo instructor (levels, comments, feedback, below the pass mark) and their
    revision waits in the queue. A second run adds nothing; grading the revision well issues the
    course certificate."""
    settings.DEMO_MODE = True
    folder = write_curriculum(tmp_path / "c", modules=2, lessons=1)
    for m in (1, 2):
        (folder / f"0{m}-module-{m}" / "questions.yaml").write_text(
            MODULE_QUESTIONS.replace("m1-tf", f"m{m}-tf"), encoding="utf-8")
    shutil.copytree(Path(settings.CURRICULUM_DIR) / "capstone", folder / "capstone")
    load_curriculum(folder)
    for _ in range(2):
        call_command("setup_demo", stdout=io.StringIO())

    users = get_user_model().objects
    trainee, instructor = users.get(email="trainee@demo.local"), users.get(email="instructor@demo.local")
    capstone = QuizPage.objects.get(slug="capstone", locale__language_code="zh-hans")
    graded, waiting = Attempt.objects.filter(user=trainee, quiz_key=capstone.translation_key).order_by("number")
    assert Attempt.objects.filter(user=trainee, quiz__slug="final-exam", passed=True).exists()

    assert (graded.status, graded.percent, graded.passed) == (AttemptStatus.FINISHED, Decimal("45.00"), False)
    essay = AttemptQuestion.objects.get(attempt=graded, manual=True)
    assert essay.marked_by == instructor and essay.response.startswith("## 1. 诊断")
    assert essay.marking["levels"] == {"diagnosis": 2, "north-star": 1, "initiatives": 1, "measurement": 1, "risks": 1}
    assert set(essay.marking["comments"]) == set(essay.marking["levels"]) and "修改稿" in essay.marking["feedback"]
    assert GradeChange.objects.filter(attempt_question__attempt__user=trainee).count() == 1

    assert waiting.status == AttemptStatus.AWAITING
    revision = AttemptQuestion.objects.get(attempt=waiting, manual=True)
    assert revision.score is None and "每周下单用户数" in revision.response
    course_rule = CertificateRule.objects.get(slug="certified-operations-professional")
    assert not Certificate.objects.filter(user=trainee, rule=course_rule).exists()

    best = {c["key"]: len(c["levels"]) - 1 for c in revision.spec["essay"]["rubric"]}
    marking.grade_essay(instructor, revision.pk, {"levels": best, "feedback": "计划完整，测算清楚。"})
    assert Certificate.objects.filter(user=trainee, rule=course_rule, is_current=True).exists()


SKILLS = """\
levels: {1: {zh-hans: 入门, en: Foundation}, 2: {zh-hans: 熟练, en: Practitioner}, 3: {zh-hans: 专家, en: Expert}}
areas:
  - slug: user-operations
    name: {zh-hans: 用户运营, en: User operations}
    skills:
      - slug: segmentation
        name: {zh-hans: 分层, en: Segmentation}
        levels: {1: {zh-hans: 一, en: One}, 2: {zh-hans: 二, en: Two}, 3: {zh-hans: 三, en: Three}}
"""


def test_demo_teams_differ_in_the_skills_they_answer_well(db, settings, tmp_path):
    """Each team's first attempts follow its profile through real grading, so one skill area
    has different mastery in different teams: the skills heatmap's story."""
    settings.DEMO_MODE = True
    folder = write_curriculum(tmp_path / "c", modules=1, lessons=1)
    (folder / "skills.yaml").write_text(SKILLS, encoding="utf-8")
    (folder / "01-module-1" / "questions.yaml").write_text("".join(
        f"- key: seg-{n}\n  type: true_false\n  skills: [segmentation]\n"
        f"  stem: {{zh-hans: 分层{n}, en: Segments {n}}}\n  answer: true\n" for n in range(10)), encoding="utf-8")
    load_curriculum(folder)
    call_command("setup_demo", stdout=io.StringIO())
    by_team = dict(
        SkillMastery.objects.filter(skill__slug="segmentation", user__employee__isnull=False)
        .values_list("user__employee__department__code").annotate(mean=Avg("value")))
    assert by_team["user-ops-team"] == 1.0 and by_team["data-team"] < 0.9, by_team


LADDER = SKILLS + """\
  - slug: management
    name: {zh-hans: 管理, en: Management}
    skills:
""" + "".join(f"""\
      - slug: {slug}
        name: {{zh-hans: {slug}, en: {slug}}}
        levels: {{1: {{zh-hans: 一, en: One}}, 2: {{zh-hans: 二, en: Two}}, 3: {{zh-hans: 三, en: Three}}}}
""" for slug in ("team-leadership", "experimentation")) + """\
roles:
  - slug: specialist
    name: {zh-hans: 运营专员, en: Specialist}
    description: {zh-hans: 专员, en: Specialist}
    next: senior
    requires: {segmentation: 2}
  - slug: senior
    name: {zh-hans: 高级运营, en: Senior}
    description: {zh-hans: 高级, en: Senior}
    next: null
    requires: {segmentation: 2, team-leadership: 1, experimentation: 1}
"""


def test_the_demo_trainee_holds_one_role_and_is_two_skills_short_of_the_next(client, db, settings, tmp_path):
    """The demo trainee practises until every skill has enough evidence to be read, so the
    skills page tells the promotion story: ready for one role, two gaps from the next. The demo
    manager oversees the data team and sees its skills, not another team's."""
    settings.DEMO_MODE = True
    folder = write_curriculum(tmp_path / "c", modules=1, lessons=1)
    (folder / "skills.yaml").write_text(LADDER, encoding="utf-8")
    (folder / "01-module-1" / "questions.yaml").write_text("".join(
        f"- key: {slug}-{n}\n  type: true_false\n  skills: [{slug}]\n"
        f"  stem: {{zh-hans: {slug}{n}, en: {slug} {n}}}\n  answer: true\n"
        for slug, count in (("segmentation", 10), ("team-leadership", 3), ("experimentation", 3))
        for n in range(count)), encoding="utf-8")
    load_curriculum(folder)
    call_command("setup_demo", stdout=io.StringIO())

    trainee = get_user_model().objects.get(email="trainee@demo.local")
    held = {skill: (level, evidence) for skill, level, evidence in
            SkillMastery.objects.filter(user=trainee).values_list("skill_id", "level", "evidence")}
    ready = readiness(RoleRequirement.objects.values_list("role_id", "skill_id", "level"), held)
    by_slug = {role.slug: ready[role.pk] for role in Role.objects.all()}
    assert by_slug["specialist"].ready
    assert {Skill.objects.get(pk=gap.skill_id).slug for gap in by_slug["senior"].gaps} == {
        "team-leadership", "experimentation"}
    client.force_login(trainee)
    page = client.get("/en/my-skills/").content.decode()
    assert "Not enough evidence" not in page

    manager = get_user_model().objects.get(email="manager@demo.local")
    assert manager.manager_scope.department.code == "data-team"
    client.force_login(manager)
    assert client.get("/admin/hr/skills/").status_code == 200
    other = Department.objects.get(code="user-ops-team")
    assert client.get(f"/admin/hr/skills/?department={other.pk}").status_code == 404
