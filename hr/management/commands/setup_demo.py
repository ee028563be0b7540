"""Demo data for `make run` (demo mode only). Safe to run again: what exists is kept.

- trainee@demo.local: every module and the final exam passed (module certificates, the first
  expiring within 30 days); the capstone once graded by the instructor below the pass mark, with
  rubric levels, comments and feedback, and a revision awaiting grading (the grading queue's
  work; grading it at 60 % or more issues the course certificate);
- instructor@demo.local and hr@demo.local; manager@demo.local, manager of the data team, who sees
  that team's skills, matrix and transcripts in the admin and nothing else;
- a small organisation (运营中心 with three teams) whose people between them show every state
  of the HR compliance matrix: current, expiring, expired, missing and overdue;
- skills with a story: each team answers its own area's questions well and another area's
  poorly (SKILL_PROFILES), so HR's heatmap shows the data team strong in data and weak in
  campaigns; the demo trainee has practised until every skill has enough evidence, holds what an
  operations specialist needs and is two skills short of senior operations.
"""

import random
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone

from accounts.api import add_department
from accounts.groups import HR, INSTRUCTORS, TRAINEES
from accounts.models import Department, EmployeeProfile
from certification.models import Certificate
from courses import api
from courses.models import CoursePage, LessonPage, ModulePage
from hr import api as hr_api
from hr import demo_capstone
from hr.models import MANAGERS
from quizzes import api as quiz_api
from quizzes import marking, mastery
from quizzes.grading import right_answer
from quizzes.models import Attempt, AttemptQuestion, Question, QuizPage, SkillMastery

PASSWORD = "opsacademy-demo"
ACCOUNTS = [
    ("trainee@demo.local", "李明 Li Ming", TRAINEES),
    ("instructor@demo.local", "王老师 Wang Fang", INSTRUCTORS),
    ("hr@demo.local", "赵敏 Zhao Min (HR)", HR),
]
DEPARTMENTS = [("ops-center", "运营中心 Operations", None), ("user-ops-team", "用户运营组 User Ops", "ops-center"),
               ("campaign-team", "活动运营组 Campaigns", "ops-center"), ("data-team", "数据分析组 Data", "ops-center")]
# email, name, department, modules whose quiz they passed, what happens to their certificates
PEOPLE = [
    ("chen.jing@demo.local", "陈静 Chen Jing", "user-ops-team", 2, None),
    ("liu.yang@demo.local", "刘洋 Liu Yang", "user-ops-team", 1, "expiring"),
    ("zhou.lei@demo.local", "周磊 Zhou Lei", "user-ops-team", 0, None),
    ("sun.li@demo.local", "孙丽 Sun Li", "campaign-team", 2, "expired"),
    ("wu.hao@demo.local", "吴昊 Wu Hao", "campaign-team", 1, None),
    ("zheng.mei@demo.local", "郑美 Zheng Mei", "campaign-team", 0, None),
    ("he.xin@demo.local", "何欣 He Xin", "data-team", 1, "revoked"),
    ("ma.tao@demo.local", "马涛 Ma Tao", "data-team", 0, None),
]
MANAGER = ("manager@demo.local", "钱伟 Qian Wei (经理 Manager)", "data-team")
OVERDUE_TEAM = "data-team"  # assigned with a due date already past
# The chance a team's people answer a question of a skill area (or a skill) right; 0.9 elsewhere.
# A quiz failed this way is taken again and passed, as people do, so both attempts are evidence.
SKILL_PROFILES = {
    "user-ops-team": {"user-operations": 1.0, "content-community": 0.95, "data": 0.5},
    "campaign-team": {"campaigns": 1.0, "data": 0.35, "strategy-management": 0.6},
    "data-team": {"data": 1.0, "campaigns": 0.3, "user-operations": 0.65},
}
TRAINEE_PROFILE = {"team-leadership": 0.0, "experimentation": 0.0}
PRACTICE_ROUNDS = 6


def gaps_of(profile):
    """The skills (or areas) `profile` gives no chance of a right answer."""
    return {slug: 0.0 for slug, chance in (profile or {}).items() if not chance}


class Command(BaseCommand):
    help = "Create the demo accounts, progress, certificates and organisation (demo mode only)."

    def handle(self, *args, **options):
        if not settings.DEMO_MODE:
            raise CommandError("Demo data is only created in demo mode (DEMO_MODE=1).")
        course = CoursePage.objects.live().filter(locale__language_code=settings.LANGUAGE_CODE).first()
        if course is None:
            raise CommandError("Load the curriculum first: python manage.py load_curriculum")
        # Mail goes nowhere and PDFs render on first download: seeding stays quick and quiet.
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
                               CERTIFICATE_PDF_PRERENDER=False), transaction.atomic():
            users = {email: self._account(email, name, group) for email, name, group in ACCOUNTS}
            self._trainee(users["trainee@demo.local"], course)
            self._capstone(users["trainee@demo.local"], course, grader=users["instructor@demo.local"])
            self._organisation(course, hr=users["hr@demo.local"])
            self._manager()
        self.stdout.write("Demo accounts (password: %s):" % PASSWORD)
        for email, _name, group in ACCOUNTS:
            self.stdout.write(f"  {email:<24} {group}")
        self.stdout.write(f"  {MANAGER[0]:<24} {MANAGERS} ({MANAGER[2]})")

    def _account(self, email, name, group):
        user, created = get_user_model().objects.get_or_create(
            email=email, defaults={"username": email.split("@")[0], "display_name": name}
        )
        if created:
            user.set_password(PASSWORD)
            user.save()
        user.groups.add(Group.objects.get(name=group))
        EmailAddress.objects.update_or_create(user=user, email=email, defaults={"verified": True, "primary": True})
        return user

    def _trainee(self, trainee, course):
        api.enrol_learner(trainee, course)
        modules = list(ModulePage.objects.child_of(course).live())
        for module in modules:  # all of them: the capstone opens once every module is done
            self._finish_module(trainee, module, TRAINEE_PROFILE)
        self._pass(trainee, QuizPage.objects.child_of(course).live().filter(slug="final-exam").first(),
                   TRAINEE_PROFILE)
        self._practise(trainee, [QuizPage.objects.child_of(m).live().first() for m in modules], TRAINEE_PROFILE)
        first = Certificate.objects.filter(user=trainee, is_current=True, rule__exam__path__startswith=modules[0].path)
        first.update(valid_until=timezone.now() + timedelta(days=21))  # expiring soon

    def _finish_module(self, user, module, profile=None):
        for lesson in LessonPage.objects.child_of(module).live():
            api.complete_lesson(user, lesson)
        self._pass(user, QuizPage.objects.child_of(module).live().first(), profile)

    def _pass(self, user, quiz, profile=None):
        """Pass `quiz`: first answering as `profile` says ({area or skill slug: the chance of a
        right answer}); if that failed, again knowing everything but the skills the profile gives
        no chance (they stay gaps); if that failed too, answering everything right."""
        if quiz is None or Attempt.objects.filter(user=user, quiz_key=quiz.translation_key, passed=True).exists():
            return
        rng = random.Random(f"{user.email}:{quiz.slug}")  # the same story on every machine
        for answering, otherwise in ((profile, 0.9), (gaps_of(profile), 1.0), (None, 1.0)):
            if self._take(user, quiz, answering, rng, otherwise).passed:
                return

    def _take(self, user, quiz, answering, rng, otherwise=0.9):
        """One submitted attempt, each question answered right with the chance `answering` gives
        its skills (a skill's own, else its area's, else `otherwise`; the lowest of them), or always."""
        attempt = quiz_api.start_attempt(user, quiz)
        for question in AttemptQuestion.objects.filter(attempt=attempt).prefetch_related("question__skills__area"):
            chance = min((answering.get(skill.slug, answering.get(skill.area.slug, otherwise))
                          for skill in question.question.skills.all()), default=otherwise) if answering else 1
            if rng.random() < chance:
                quiz_api.save_answer(user, attempt.pk, question.position, right_answer(question.spec))
        return quiz_api.submit_attempt(user, attempt.pk)

    def _practise(self, user, quizzes, profile):
        """Retake `quizzes` as practice, knowing everything but the skills `profile` gives no
        chance, until every skill they test has enough evidence to be read (at most
        PRACTICE_ROUNDS more attempts each): one pass draws too few questions per skill for the
        skills page to say a level."""
        for quiz in filter(None, quizzes):
            rng = random.Random(f"{user.email}:{quiz.slug}:practice")
            tested = set(Question.objects.filter(bank__in=[d.bank_id for d in quiz.draws.all()], live=True,
                                                 locale_id=quiz.locale_id).values_list("skills", flat=True))
            for _round in range(PRACTICE_ROUNDS):
                known = set(SkillMastery.objects.filter(user=user, evidence__gte=mastery.MIN_EVIDENCE)
                            .values_list("skill_id", flat=True))
                if not tested - known - {None}:
                    break
                self._take(user, quiz, gaps_of(profile), rng, 1.0)

    def _capstone(self, trainee, course, *, grader):
        """A first answer graded by the instructor through the real marking path, then the
        revision, submitted and waiting; nothing when the trainee has any capstone attempt."""
        quiz = QuizPage.objects.child_of(course).live().filter(slug="capstone").first()
        if quiz is None or Attempt.objects.filter(user=trainee, quiz_key=quiz.translation_key).exists():
            return
        first = self._submit_essays(trainee, quiz, demo_capstone.answer(demo_capstone.FIRST_ANSWER))
        for essay in first:
            marking.grade_essay(grader, essay.pk, self._demo_marking(essay.spec))
        self._submit_essays(trainee, quiz, demo_capstone.answer(demo_capstone.REVISED_ANSWER))

    def _submit_essays(self, user, quiz, text):
        attempt = quiz_api.start_attempt(user, quiz)
        essays = list(AttemptQuestion.objects.filter(attempt=attempt, manual=True))
        for essay in essays:
            quiz_api.save_answer(user, attempt.pk, essay.position, text)
        quiz_api.submit_attempt(user, attempt.pk)
        return essays

    def _demo_marking(self, spec):
        rubric = spec["essay"]["rubric"]
        if not rubric:
            return {"points": spec["points"] / 2, "feedback": demo_capstone.FIRST_FEEDBACK}
        known = demo_capstone.FIRST_MARKING
        return {
            "levels": {c["key"]: known.get(c["key"], (len(c["levels"]) // 2, ""))[0] for c in rubric},
            "comments": {c["key"]: known[c["key"]][1] for c in rubric if c["key"] in known},
            "feedback": demo_capstone.FIRST_FEEDBACK,
        }

    def _organisation(self, course, *, hr):
        if Department.objects.filter(code="ops-center").exists():
            return
        departments = {}
        for code, name, parent in DEPARTMENTS:
            departments[code] = add_department(name, code=code, parent=departments.get(parent))
        departments = {d.code: d for d in Department.objects.all()}  # paths may have moved
        modules = list(ModulePage.objects.child_of(course).live())
        for index, (email, name, team, passed, fate) in enumerate(PEOPLE, start=1):
            person = self._account(email, name, TRAINEES)
            EmployeeProfile.objects.get_or_create(user=person, defaults={
                "employee_id": f"E{1000 + index}", "department": departments[team], "manager": hr,
                "hire_date": timezone.localdate() - timedelta(days=90 * index),
            })
            api.enrol_learner(person, course)
            for module in modules[:passed]:
                self._finish_module(person, module, SKILL_PROFILES[team])
            self._apply_fate(person, fate)
        today = timezone.localdate()
        api.assign_course(course, department=departments["ops-center"], due_date=today + timedelta(days=45), by=hr)
        api.assign_course(course, department=departments[OVERDUE_TEAM], due_date=today - timedelta(days=10), by=hr)

    def _manager(self):
        email, name, team = MANAGER
        manager = self._account(email, name, TRAINEES)
        hr_api.appoint_manager(manager, Department.objects.get(code=team))

    def _apply_fate(self, person, fate):
        certificates = Certificate.objects.filter(user=person, is_current=True).order_by("issued_at")
        first = certificates.first()
        if first is None or fate is None:
            return
        now = timezone.now()
        if fate == "expiring":
            certificates.filter(pk=first.pk).update(valid_until=now + timedelta(days=12))
        elif fate == "expired":
            certificates.filter(pk=first.pk).update(
                issued_at=now - timedelta(days=760), valid_until=now - timedelta(days=30)
            )
        elif fate == "revoked":
            certificates.filter(pk=first.pk).update(
                revoked_at=now - timedelta(days=3), revocation_reason="演示：考试违规 (demo: exam misconduct)"
            )
