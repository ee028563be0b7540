"""Demo accounts for `make run`: a trainee with some progress, an instructor and an HR user.
Safe to run again: existing accounts are kept, progress is only ever added."""

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError

from accounts.groups import HR, INSTRUCTORS, TRAINEES
from courses import api
from courses.models import CoursePage, LessonPage, ModulePage
from quizzes import api as quiz_api
from quizzes.grading import right_answer
from quizzes.models import Attempt, AttemptQuestion, QuizPage

PASSWORD = "opsacademy-demo"
ACCOUNTS = [
    ("trainee@demo.local", "李明 Li Ming", TRAINEES),
    ("instructor@demo.local", "王老师 Wang Fang", INSTRUCTORS),
    ("hr@demo.local", "赵敏 Zhao Min (HR)", HR),
]
TRAINEE_LESSONS_DONE = 6  # all of module 1 (its quiz passed) and part of module 2


class Command(BaseCommand):
    help = "Create the demo accounts (demo mode only)."

    def handle(self, *args, **options):
        if not settings.DEMO_MODE:
            raise CommandError("Demo accounts are only created in demo mode (DEMO_MODE=1).")
        User = get_user_model()
        for email, name, group in ACCOUNTS:
            user, created = User.objects.get_or_create(
                email=email, defaults={"username": email.split("@")[0], "display_name": name}
            )
            if created:
                user.set_password(PASSWORD)
                user.save()
            user.groups.add(Group.objects.get(name=group))
            EmailAddress.objects.update_or_create(
                user=user, email=email, defaults={"verified": True, "primary": True}
            )
        self._give_trainee_progress(User.objects.get(email=ACCOUNTS[0][0]))
        self.stdout.write("Demo accounts (password: %s):" % PASSWORD)
        for email, _name, group in ACCOUNTS:
            self.stdout.write(f"  {email:<24} {group}")

    def _give_trainee_progress(self, trainee):
        course = CoursePage.objects.live().filter(locale__language_code=settings.LANGUAGE_CODE).first()
        if course is None:
            raise CommandError("Load the curriculum first: python manage.py load_curriculum")
        api.enrol_learner(trainee, course)
        first, second = ModulePage.objects.child_of(course).live()[:2]
        lessons = list(LessonPage.objects.child_of(first).live()) + list(LessonPage.objects.child_of(second).live())
        for lesson in lessons[:TRAINEE_LESSONS_DONE]:
            if lesson.path.startswith(second.path):
                self._pass_quiz(trainee, first)
            api.complete_lesson(trainee, lesson)

    def _pass_quiz(self, trainee, module):
        """Take the module's quiz with the right answers, once."""
        quiz = QuizPage.objects.child_of(module).live().first()
        if quiz is None or Attempt.objects.filter(user=trainee, quiz_key=quiz.translation_key, passed=True).exists():
            return
        attempt = quiz_api.start_attempt(trainee, quiz)
        for question in AttemptQuestion.objects.filter(attempt=attempt):
            quiz_api.save_answer(trainee, attempt.pk, question.position, right_answer(question.spec))
        quiz_api.submit_attempt(trainee, attempt.pk)
