"""How cost grows: the learner, quiz and HR pages at 10,000 and 100,000 trainees.

    .venv/bin/python bench/scale.py --db sqlite
    .venv/bin/python bench/scale.py --db postgres --database-url postgres://…/oa_scalebench

A fresh database (an SQLite file under /tmp, or the PostgreSQL database the URL names, dropped
and created again) gets the curriculum (`load_curriculum`), four departments, an HR user, the
course assigned to both top-level departments, a 20-question bench quiz (bench/quiz.py's
`create_quiz`) and one template trainee whose rows are made through the real code: enrolment,
every lesson read, every module done, one attempt at each of the course's quizzes started with
`quizzes.api.start_attempt` (frozen snapshots) and answered with `save_answer` (cleaned,
scored responses), a certificate and skill mastery. The trainees are then written in SQL,
copying those rows (executemany in big transactions on SQLite, COPY on PostgreSQL): per trainee
a user in the Trainees group with a verified address, an employee profile in one of three
departments, an enrolment, 0–20 lessons read (10 on average), finished attempts holding ~50
saved answers, 3 certificates and 6 skill mastery rows. The database grows to each size in
`--sizes` in turn (10,000, then 90,000 more), and is measured at each one.

Measured in this process through Django's test client (the whole middleware stack, no HTTP),
under the shared lock /tmp/bench.lock so that no other benchmark runs meanwhile: the trainee
dashboard, lessons, a fresh attempt's start, answer saves and submit, HR's compliance matrix
(first, second, middle and last page), the skills heatmap, and the full compliance CSV export
against a bare queryset-to-CSV loop. Query counts are taken with CaptureQueriesContext on
sample requests, latencies on requests without it. The table compares the sizes; the database
is removed at the end unless `--keep`.
"""

import argparse
import contextlib
import fcntl
import json
import os
import re
import shutil
import sys
import tempfile
import time
from datetime import datetime, timedelta
from datetime import timezone as dt_timezone
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.run import CpuSample, command_line, machine  # noqa: E402

SETTINGS = "config.settings.bench"
LOCK = "/tmp/bench.lock"
PATTERN = 42  # every per-trainee choice depends on (index % PATTERN): sampled trainees look alike at each size
LESSONS_READ = 21  # 0…20 lessons read, 10 on average
ANSWERS = 50  # saved answers per trainee, about
CERTIFICATES = 3
MASTERY = 6
CHUNK = 2000  # trainees generated at a time
COMMIT_EVERY = 20_000  # trainees per transaction
DASHBOARD, LESSON, START, SAVE, SUBMIT, MATRIX, HEATMAP = (
    "dashboard", "lesson", "quiz start", "quiz answer save", "quiz submit", "HR compliance matrix",
    "HR skills heatmap")
BUDGETS = {DASHBOARD: 150, LESSON: 150, SAVE: 150, SUBMIT: 150, MATRIX: 500, HEATMAP: 500}  # p99 ms
EXPORT_SHARE = 0.5


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", ""),
                        help="postgres: the server, and the database oa_scale… to create afresh (dropped first "
                             "if it exists; oa_scalebench unless the URL names one starting oa_scale)")
    parser.add_argument("--sizes", default="10000,100000", help="trainees to grow to, in turn")
    parser.add_argument("--page-requests", type=int, default=300, help="dashboard and lesson requests per size")
    parser.add_argument("--quiz-trainees", type=int, default=100, help="fresh attempts per size (20 saves each)")
    parser.add_argument("--hr-requests", type=int, default=100, help="matrix and heatmap pages per size")
    parser.add_argument("--repeats", type=int, default=2, help="best of N for the export and the bare loop")
    parser.add_argument("--keep", action="store_true", help="keep the database")
    parser.add_argument("--no-lock", action="store_true", help="measure without waiting for /tmp/bench.lock")
    parser.add_argument("--output", type=Path, default=ROOT / "bench" / "results")
    return parser.parse_args(argv)


# -- the database -----------------------------------------------------------------------------


@contextlib.contextmanager
def fresh_database(kind, url, keep):
    """Yield the DATABASE_URL of a new, empty database; remove it afterwards unless `keep`."""
    if kind == "sqlite":
        folder = tempfile.mkdtemp(prefix="oa_scale-", dir="/tmp")
        try:
            yield f"sqlite:///{folder}/scale.sqlite3"
        finally:
            if keep:
                print(f"kept {folder}/scale.sqlite3", file=sys.stderr)
            else:
                shutil.rmtree(folder, ignore_errors=True)
        return
    import psycopg

    if not url.startswith(("postgres://", "postgresql://")):
        sys.exit("--db postgres needs --database-url (or DATABASE_URL) naming a PostgreSQL server")
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if not name.startswith("oa_scale"):  # never drop someone's database: ours is oa_scale…
        name = "oa_scalebench"
        url = urlunsplit(parts._replace(path=f"/{name}"))
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield url
    finally:
        from django.db import connections

        connections.close_all()
        if keep:
            print(f"kept database {name}", file=sys.stderr)
        else:
            with psycopg.connect(admin_url, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def setup_django(database_url):
    os.environ["DJANGO_SETTINGS_MODULE"] = SETTINGS
    os.environ["DATABASE_URL"] = database_url
    os.environ["CERTIFICATE_PDF_PRERENDER"] = "0"
    import django

    django.setup()


def database_bytes():
    from django.db import connection

    if connection.vendor == "sqlite":
        path = Path(connection.settings_dict["NAME"])
        return sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_database_size(current_database())")
        return cursor.fetchone()[0]


def tidy():
    """What a maintained database has: statistics for the planner, the WAL checkpointed."""
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("ANALYZE")
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        else:  # the saved answers are only analysed: a vacuum of their many GB would take minutes
            cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
            for (table,) in cursor.fetchall():
                cursor.execute(f'{"ANALYZE" if table == "quizzes_attemptquestion" else "VACUUM ANALYZE"} "{table}"')


# -- the rows, copied in SQL ------------------------------------------------------------------


class Table:
    """One model's table: its columns, raw template rows read back from the database, and
    inserts of copies with some columns changed (values prepared for the database)."""

    def __init__(self, model):
        from django.db import connection

        self.model, self.connection = model, connection
        self.name = model._meta.db_table
        self.fields = {f.column: f for f in model._meta.concrete_fields}
        self.columns = list(self.fields)
        self.index = {c: i for i, c in enumerate(self.columns)}

    def templates(self, where, params=()):
        """Rows as stored (text on PostgreSQL, so that COPY reads them back unchanged)."""
        pg = self.connection.vendor == "postgresql"
        select = ", ".join(f'"{c}"::text' if pg else f'"{c}"' for c in self.columns)
        with self.connection.cursor() as cursor:
            cursor.execute(f'SELECT {select} FROM "{self.name}" WHERE {where} ORDER BY "id"', params)
            return [list(row) for row in cursor.fetchall()]

    def prep(self, column, value):
        value = self.fields[column].get_db_prep_save(value, self.connection)
        return str(value) if self.connection.vendor == "postgresql" and value is not None else value

    def next_id(self):
        with self.connection.cursor() as cursor:
            cursor.execute(f'SELECT COALESCE(MAX("id"), 0) + 1 FROM "{self.name}"')
            return cursor.fetchone()[0]

    def insert(self, rows):
        if not rows:
            return 0
        columns = ", ".join(f'"{c}"' for c in self.columns)
        raw = self.connection.connection
        if self.connection.vendor == "sqlite":
            marks = ", ".join("?" * len(self.columns))
            raw.executemany(f'INSERT INTO "{self.name}" ({columns}) VALUES ({marks})', rows)
        else:
            with raw.cursor() as cursor, cursor.copy(f'COPY "{self.name}" ({columns}) FROM STDIN') as copy:
                for row in rows:
                    copy.write_row(row)
        return len(rows)

    def reset_sequence(self):
        if self.connection.vendor == "postgresql" and "id" in self.fields:
            with self.connection.cursor() as cursor:
                cursor.execute(f"SELECT setval(pg_get_serial_sequence('\"{self.name}\"', 'id'), "
                               f'(SELECT COALESCE(MAX("id"), 1) FROM "{self.name}"))')


class Seeder:
    """Grows the database to N trainees by copying the template trainee's rows."""

    def __init__(self, world):
        from allauth.account.models import EmailAddress
        from django.contrib.auth import get_user_model

        from accounts.models import EmployeeProfile
        from certification.models import Certificate
        from courses.models import Enrolment, LessonProgress
        from quizzes.models import Attempt, AttemptQuestion, SkillMastery

        User = get_user_model()
        self.world, self.seconds = world, {}
        t = world["template"]
        self.tables = {
            "user": Table(User), "group": Table(User.groups.through), "email": Table(EmailAddress),
            "employee": Table(EmployeeProfile), "enrolment": Table(Enrolment), "progress": Table(LessonProgress),
            "attempt": Table(Attempt), "answer": Table(AttemptQuestion), "certificate": Table(Certificate),
            "mastery": Table(SkillMastery),
        }
        T = self.tables
        self.user = T["user"].templates('"id" = %s', [t])[0]
        self.group = T["group"].templates('"user_id" = %s', [t])[0]
        self.email = T["email"].templates('"user_id" = %s', [t])[0]
        self.employee = T["employee"].templates('"user_id" = %s', [t])[0]
        self.enrolments = {str(r[T["enrolment"].index["assignment_id"]]): r for r in T["enrolment"].templates(
            '"user_id" IN (%s, %s)', [t, world["hr"]])}
        self.progress = T["progress"].templates('"user_id" = %s', [t])[0]
        attempts = T["attempt"].templates('"user_id" = %s', [t])
        answers = T["answer"].templates(
            '"attempt_id" IN (SELECT "id" FROM "quizzes_attempt" WHERE "user_id" = %s)', [t])
        a_id, aq_attempt = T["attempt"].index["id"], T["answer"].index["attempt_id"]
        # (attempt row, its answer rows) per quiz, in the course's order
        self.attempts = [(a, [q for q in answers if str(q[aq_attempt]) == str(a[a_id])]) for a in attempts]
        self.certificate = T["certificate"].templates('"user_id" = %s', [t])[0]
        self.mastery = T["mastery"].templates('"user_id" = %s', [t])[0]
        self.password = self.user[T["user"].index["password"]]

    def plans(self):
        """Per pattern slot: which template attempts a trainee holds (~ANSWERS answers)."""
        plans = []
        for slot in range(PATTERN):
            chosen, total, k = [], 0, slot
            while len(chosen) < len(self.attempts):
                attempt = self.attempts[k % len(self.attempts)]
                if total + len(attempt[1]) / 2 > ANSWERS:  # the count nearest to ANSWERS
                    break
                chosen.append(attempt)
                total += len(attempt[1])
                k += 1
            plans.append(chosen)
        return plans

    def grow(self, to):
        """Add trainees until there are `to`; return {table: rows added}."""
        from django.db import transaction

        start = self.world["trainees"]
        added = {name: 0 for name in self.tables}
        ids = {name: table.next_id() for name, table in self.tables.items() if "id" in table.fields}
        plans = self.plans()
        T = self.tables
        now = datetime.now(dt_timezone.utc)
        lessons = [T["progress"].prep("lesson_key", key) for key in self.world["lesson_keys"]]
        skills = self.world["skills"]
        revoked = T["certificate"].prep("revoked_at", now)
        rules, leaves, assignments = self.world["rules"], self.world["leaves"], self.world["assignments"]
        stamps = [T["progress"].prep("completed_at", now - timedelta(days=d)) for d in range(PATTERN)]
        if self.tables["user"].connection.vendor == "postgresql":
            # The copies are consistent by construction: no per-row foreign-key triggers at commit
            # (Django's constraints are deferred; checking 5 M answers' four keys took most of the time).
            with self.tables["user"].connection.cursor() as cursor:
                cursor.execute("SET session_replication_role = replica")
        for first in range(start, to, COMMIT_EVERY):
            with transaction.atomic():
                for lo in range(first, min(first + COMMIT_EVERY, to), CHUNK):
                    batch = range(lo, min(lo + CHUNK, to, first + COMMIT_EVERY))
                    rows = {name: [] for name in self.tables}
                    for i in batch:
                        slot = i % PATTERN
                        uid = ids["user"]
                        ids["user"] += 1
                        rows["user"].append(self._user(i, uid))
                        rows["group"].append(self._copy("group", self.group, id=ids["group"], user_id=uid))
                        ids["group"] += 1
                        rows["email"].append(self._copy("email", self.email, id=ids["email"], user_id=uid,
                                                        email=f"s{i:06d}@scale.bench.local"))
                        ids["email"] += 1
                        department = leaves[slot % len(leaves)]
                        rows["employee"].append(self._copy("employee", self.employee, id=ids["employee"], user_id=uid,
                                                           employee_id=f"S{i:06d}", department_id=department))
                        ids["employee"] += 1
                        enrolment = self.enrolments[str(assignments[department])]
                        rows["enrolment"].append(self._copy("enrolment", enrolment, id=ids["enrolment"], user_id=uid))
                        ids["enrolment"] += 1
                        for key in lessons[: slot % LESSONS_READ]:
                            rows["progress"].append(self._copy("progress", self.progress, id=ids["progress"],
                                                               user_id=uid, lesson_key=key, completed_at=stamps[slot]))
                            ids["progress"] += 1
                        for attempt, answers in plans[slot]:
                            aid = ids["attempt"]
                            ids["attempt"] += 1
                            rows["attempt"].append(self._copy("attempt", attempt, id=aid, user_id=uid))
                            for answer in answers:
                                rows["answer"].append(self._copy("answer", answer, id=ids["answer"], attempt_id=aid))
                                ids["answer"] += 1
                        for j in range(CERTIFICATES):
                            rule = rules[(slot + j) % len(rules)]
                            rows["certificate"].append(self._copy(
                                "certificate", self.certificate, id=ids["certificate"], user_id=uid, rule_id=rule,
                                code=f"S{i:07d}{j}", public_id=f"s{i:07d}-{j}",
                                valid_until=self._valid_until(slot, j, now),
                                revoked_at=revoked if (slot + j) % 14 == 0 else None))
                            ids["certificate"] += 1
                        for j in range(MASTERY):
                            rows["mastery"].append(self._copy(
                                "mastery", self.mastery, id=ids["mastery"], user_id=uid,
                                skill_id=skills[(slot + j) % len(skills)],
                                level=(slot + j) % 4, value=((slot * 7 + j) % 100) / 100))
                            ids["mastery"] += 1
                    for name, table in T.items():
                        began = time.perf_counter()
                        added[name] += table.insert(rows[name])
                        self.seconds[name] = self.seconds.get(name, 0) + time.perf_counter() - began
        for table in T.values():
            table.reset_sequence()
        from accounts.models import refresh_sort_keys

        refresh_sort_keys()  # the copies carry the template's department and name as HR's sort keys
        if self.tables["user"].connection.vendor == "postgresql":
            with self.tables["user"].connection.cursor() as cursor:
                cursor.execute("SET session_replication_role = DEFAULT")
        self.world["trainees"] = to
        return added

    def _copy(self, name, template, **changes):
        table = self.tables[name]
        row = list(template)
        for column, value in changes.items():
            row[table.index[column]] = value
        return row

    def _user(self, i, uid):
        return self._copy("user", self.user, id=uid, username=f"s{i:06d}", email=f"s{i:06d}@scale.bench.local",
                          display_name=f"学员{i:06d}")

    def _valid_until(self, slot, j, now):
        cache = self.__dict__.setdefault("_valid_cache", {})
        key = (slot * 7 + j * 31) % 800 - 100
        if key not in cache:
            cache[key] = self.tables["certificate"].prep("valid_until", now + timedelta(days=key))
        return cache[key]


# -- the world: curriculum, departments, HR, the template trainee ------------------------------


def build_world():
    """Everything but the trainees: departments, HR user, assignments, the bench quiz and the
    template trainee made through the real code; returns what the seeder and measures need."""
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.utils import timezone, translation
    from wagtail.users.models import UserProfile

    from accounts.groups import HR, TRAINEES
    from accounts.models import EmployeeProfile
    from bench.hr import bench_departments
    from bench.quiz import create_quiz
    from certification.models import Certificate, CertificateRule
    from content.models import Skill
    from courses import api as courses_api
    from courses.models import CoursePage, Enrolment, LessonPage, LessonProgress, ModuleCompletion, ModulePage
    from quizzes import api as quizzes_api
    from quizzes.grading import right_answer
    from quizzes.models import Attempt, AttemptQuestion, AttemptStatus, QuizPage, SkillMastery

    User = get_user_model()
    departments = bench_departments()
    hr = User.objects.create_user(username="hr-scale", email="hr@scale.bench.local", password="!",
                                  display_name="HR Scale")
    hr.groups.add(Group.objects.get(name=HR))
    UserProfile.objects.update_or_create(user=hr, defaults={"preferred_language": "en"})
    course = CoursePage.objects.live().get(locale__language_code=settings.LANGUAGE_CODE)
    assignments = {}
    for root in (departments["ops"], departments["sales"]):
        courses_api.assign_course(course, department=root, due_date=timezone.localdate() + timedelta(days=30), by=hr)
    from courses.models import Assignment

    by_root = {a.department_id: a.pk for a in Assignment.objects.all()}
    leaves = [departments[c] for c in ("ops-users", "ops-content", "sales")]
    for leaf in leaves:
        assignments[leaf.pk] = by_root[departments["sales" if leaf.code == "sales" else "ops"].pk]
    quiz_id, _banks = create_quiz(20, 0)

    lessons = list(LessonPage.objects.live().descendant_of(course).order_by("path"))
    modules = list(ModulePage.objects.live().descendant_of(course).order_by("path"))
    quizzes = [q for q in QuizPage.objects.live().descendant_of(course).order_by("path") if q.pk != quiz_id]
    # the template trainee: everything read and done, so that every quiz opens to it
    template = User.objects.create_user(username="scale-template", email="template@scale.bench.local",
                                        password="bench-not-a-secret", display_name="学员模板")
    template.groups.add(Group.objects.get(name=TRAINEES))
    from allauth.account.models import EmailAddress

    EmailAddress.objects.create(user=template, email=template.email, verified=True, primary=True)
    EmployeeProfile.objects.create(user=template, employee_id="TEMPLATE", department=leaves[0])
    for assignment in set(assignments.values()):  # one enrolment row per assignment, to copy from
        Enrolment.objects.create(user=template if assignment == min(assignments.values()) else hr,
                                 course_key=course.translation_key, assignment_id=assignment,
                                 due_date=timezone.localdate() + timedelta(days=30))
    for lesson in lessons:
        LessonProgress.objects.get_or_create(user=template, lesson_key=lesson.translation_key)
    for module in modules:
        ModuleCompletion.objects.get_or_create(user=template, module_key=module.translation_key)
    with translation.override(settings.LANGUAGE_CODE):
        for n, quiz in enumerate(quizzes):
            attempt = quizzes_api.start_attempt(template, quiz)
            specs = AttemptQuestion.objects.filter(attempt=attempt).order_by("position").values_list("position", "spec")
            for position, spec in specs:
                if (position + n) % 5 == 0:
                    continue  # one in five unanswered
                with contextlib.suppress(quizzes_api.QuizError):
                    quizzes_api.save_answer(template, attempt.pk, position, right_answer(spec))
            # finished as a submit would leave it, without its side effects (certificates, mails)
            AttemptQuestion.objects.filter(attempt=attempt, score__isnull=True).update(score=0)
            rows = AttemptQuestion.objects.filter(attempt=attempt)
            score = sum((q.score for q in rows), 0)
            percent = round(100 * score / attempt.max_score, 2) if attempt.max_score else 0
            Attempt.objects.filter(pk=attempt.pk).update(
                status=AttemptStatus.FINISHED, finished_at=timezone.now(), finished_by="submit", score=score,
                percent=percent, passed=percent >= quiz.pass_mark)
    # the hr user's template enrolment is dropped again: copies only
    enrolment_templates = list(Enrolment.objects.filter(user__in=[template, hr]).values_list("pk", "user_id"))
    rules = list(CertificateRule.objects.filter(active=True).order_by("slug"))
    now = timezone.now()
    Certificate.objects.create(user=template, rule=rules[0], holder_name="学员模板", achievement="证书",
                               achievement_en="Certificate", issuer_name="Ops Academy", issued_at=now,
                               valid_until=now + timedelta(days=365), score=90, site_url="http://127.0.0.1")
    skills = list(Skill.objects.order_by("pk").values_list("pk", flat=True))
    SkillMastery.objects.create(user=template, skill_id=skills[0], value=0.5, level=1, updated_at=now)
    return {
        "template": template.pk, "hr": hr.pk, "quiz_id": quiz_id, "rules": [r.pk for r in rules],
        "leaves": [leaf.pk for leaf in leaves], "assignments": assignments, "skills": skills,
        "lesson_keys": [lesson.translation_key for lesson in lessons], "trainees": 0,
        "enrolment_templates": enrolment_templates, "quizzes": len(quizzes),
    }


def finish_world(world):
    """After the first copies: the HR user's borrowed enrolment goes; the template trainee
    leaves the lists (inactive, no employee profile) so that it counts nowhere."""
    from django.contrib.auth import get_user_model

    from accounts.models import EmployeeProfile
    from courses.models import Enrolment

    Enrolment.objects.filter(user_id=world["hr"]).delete()
    EmployeeProfile.objects.filter(user_id=world["template"]).delete()
    get_user_model().objects.filter(pk=world["template"]).update(is_active=False)


# -- measuring --------------------------------------------------------------------------------


class Timings:
    def __init__(self, name):
        self.name, self.ms, self.queries, self.errors, self.first_error = name, [], set(), 0, ""

    def percentile(self, p):
        if not self.ms:
            return float("nan")
        ordered = sorted(self.ms)
        return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]

    def queries_text(self):
        if not self.queries:
            return "–"
        low, high = min(self.queries), max(self.queries)
        return str(low) if low == high else f"{low}–{high}"


def request(timings, client, method, path, check, *, count=False, **kwargs):
    """One request through the test client; its latency, and its query count when `count`."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    started = time.perf_counter()
    if count:
        with CaptureQueriesContext(connection) as captured:
            response = getattr(client, method)(path, **kwargs)
        timings.queries.add(len(captured))
    else:
        response = getattr(client, method)(path, **kwargs)
    elapsed = (time.perf_counter() - started) * 1000
    outcome = check(response)
    if outcome:
        if not count:
            timings.ms.append(elapsed)
    else:
        timings.errors += 1
        timings.first_error = timings.first_error or f"{path}: {response.status_code}"
    return response if outcome else None


def sample(size, count, offset):
    """`count` trainee indexes spread over 0…size, with the same residues mod PATTERN at any size."""
    step = (size // count) // PATTERN * PATTERN
    if not step:
        sys.exit(f"{count} sampled trainees need at least {count * PATTERN} trainees")
    return [k * step + (k + offset) % PATTERN for k in range(count)]


def trainee_ids(indexes):
    from django.contrib.auth import get_user_model

    names = [f"s{i:06d}" for i in indexes]
    found = dict(get_user_model().objects.filter(username__in=names).values_list("username", "pk"))
    return [found[n] for n in names]


def sessions(user_ids):
    from bench.seed import Trainee, log_in

    return [t.session_key for t in log_in([Trainee(pk, "") for pk in user_ids])]


def client_for(session_key):
    from django.test import Client

    client = Client(HTTP_HOST="127.0.0.1")
    client.cookies["sessionid"] = session_key
    return client


def measure_pages(world, size, args):
    from django.conf import settings
    from django.utils import translation

    from courses.models import CoursePage, LessonPage

    with translation.override(settings.LANGUAGE_CODE):
        course = CoursePage.objects.live().get(locale__language_code=settings.LANGUAGE_CODE)
        lessons = [page.get_url() for page in LessonPage.objects.live().descendant_of(course).order_by("path")]
    clients = [client_for(key) for key in sessions(trainee_ids(sample(size, 40, 0)))]
    signed_in = lambda r: r.status_code == 200 and b"/accounts/logout/" in r.content  # noqa: E731
    results = {DASHBOARD: Timings(DASHBOARD), LESSON: Timings(LESSON)}
    warm = Timings("warm-up")
    request(warm, clients[0], "get", "/zh-hans/my-learning/", signed_in)
    request(warm, clients[0], "get", lessons[0], signed_in)
    for k, client in enumerate(clients):  # warm-up, counted
        request(results[DASHBOARD], client, "get", "/zh-hans/my-learning/", signed_in, count=True)
        request(results[LESSON], client, "get", lessons[k % len(lessons)], signed_in, count=True)
    for n in range(args.page_requests):
        client = clients[n % len(clients)]
        request(results[DASHBOARD], client, "get", "/zh-hans/my-learning/", signed_in)
        request(results[LESSON], client, "get", lessons[(n * 7) % len(lessons)], signed_in)
    return results


def measure_quiz(world, size, args, offset):
    from quizzes.grading import right_answer
    from quizzes.models import AttemptQuestion

    prefix = "/zh-hans/quizzes"
    users = trainee_ids(sample(size, args.quiz_trainees, offset))
    keys = sessions(users)
    results = {START: Timings(START), SAVE: Timings(SAVE), SUBMIT: Timings(SUBMIT)}
    attempt_re = re.compile(r"/attempts/(\d+)/")
    measured = results
    for k, key in enumerate(keys):
        client = client_for(key)
        count = 1 <= k <= 5  # the first attempt warms up, unmeasured
        results = measured if k else {name: Timings("warm-up") for name in measured}
        response = request(results[START], client, "post", f"{prefix}/{world['quiz_id']}/start/",
                           lambda r: r.status_code == 302 and attempt_re.search(r["Location"]), count=count)
        if response is None:
            continue
        attempt_id = int(attempt_re.search(response["Location"]).group(1))
        specs = AttemptQuestion.objects.filter(attempt_id=attempt_id).order_by("position").values_list(
            "position", "spec")
        for position, spec in specs:
            body = json.dumps({"position": position, "response": right_answer(spec)})
            request(results[SAVE], client, "post", f"{prefix}/attempts/{attempt_id}/answer/",
                    lambda r: r.status_code == 200 and b"saved_at" in r.content, count=count and position <= 3,
                    data=body, content_type="application/json")
        request(results[SUBMIT], client, "post", f"{prefix}/attempts/{attempt_id}/submit/",
                lambda r: r.status_code == 302 and "/result/" in r["Location"], count=count)
    return measured


def measure_hr(world, size, args):
    hr = client_for(sessions([world["hr"]])[0])
    pages = max(1, -(-size // 50))
    paths = [f"/admin/hr/?p={p}" for p in sorted({1, 2, pages // 2 or 1, pages})]
    table = lambda r: r.status_code == 200 and b"<table" in r.content  # noqa: E731
    results = {MATRIX: Timings(MATRIX), HEATMAP: Timings(HEATMAP)}
    for path in paths:
        request(results[MATRIX], hr, "get", path, table, count=True)
    request(results[HEATMAP], hr, "get", "/admin/hr/skills/", lambda r: r.status_code == 200)  # builds the summary
    results[HEATMAP].ms.clear()
    for _ in range(3):
        request(results[HEATMAP], hr, "get", "/admin/hr/skills/", lambda r: r.status_code == 200, count=True)
    for n in range(args.hr_requests):
        request(results[MATRIX], hr, "get", paths[n % len(paths)], table)
    for n in range(args.hr_requests // 2):
        request(results[HEATMAP], hr, "get", "/admin/hr/skills/", lambda r: r.status_code == 200)
    return results, hr


def measure_export(hr, args):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.hr.test_export_budget import bare_loop

    bare_times, export_times, rows, queries = [], [], set(), set()
    for _ in range(args.repeats):
        started = time.perf_counter()
        bare_rows = bare_loop()
        bare_times.append(time.perf_counter() - started)
        started = time.perf_counter()
        with CaptureQueriesContext(connection) as captured:
            response = hr.get("/admin/hr/?export=csv")
            lines = sum(piece.count(b"\n") for piece in response.streaming_content)
        export_times.append(time.perf_counter() - started)
        queries.add(len(captured))
        rows.add((bare_rows, lines - 1))
    [(bare_rows, export_rows)] = rows if len(rows) == 1 else [(0, -1)]
    return {"bare_rows": bare_rows, "export_rows": export_rows, "bare": min(bare_times),
            "export": min(export_times), "queries": queries, "status": response.status_code}


@contextlib.contextmanager
def bench_lock(skip):
    """The shared lock every benchmark's measuring phase holds, so that none overlap."""
    if skip:
        yield 0.0
        return
    with open(LOCK, "a") as handle:
        started = time.monotonic()
        print(f"  waiting for {LOCK}…", file=sys.stderr)
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield time.monotonic() - started
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def measure(world, size, args):
    from django.db import connection

    name = connection.settings_dict["NAME"] if connection.vendor == "postgresql" else None
    with bench_lock(args.no_lock) as waited:
        load_before = os.getloadavg()
        before = CpuSample.take(-1, name)
        results = {}
        results.update(measure_pages(world, size, args))
        results.update(measure_quiz(world, size, args, offset=100 + size // 1000))
        hr_results, hr = measure_hr(world, size, args)
        results.update(hr_results)
        export = measure_export(hr, args)
        cpu = CpuSample.take(-1, name) - before
        load_after = os.getloadavg()
    return {"results": results, "export": export, "cpu": cpu, "load": (load_before[0], load_after[0]),
            "lock_wait": waited}


# -- the report -------------------------------------------------------------------------------


def report(args, facts, sizes, measured, stamp):
    names = [DASHBOARD, LESSON, START, SAVE, SUBMIT, MATRIX, HEATMAP]
    k = lambda n: f"{n // 1000:,} k" if n % 1000 == 0 else f"{n:,}"  # noqa: E731
    head = "| endpoint | " + " | ".join(f"{k(s)}: queries | p50 ms | p99 ms" for s in sizes) + " | budget |"
    lines = [head, "|---|" + "---:|---:|---:|" * len(sizes) + "---|"]
    constant, passed = True, True
    for name in names:
        cells, verdicts = [], []
        for size in sizes:
            r = measured[size]["results"][name]
            cells.append(f"{r.queries_text()} | {r.percentile(50):.1f} | {r.percentile(99):.1f}"
                         + (f" ({r.errors} errors)" if r.errors else ""))
            if name in BUDGETS:
                verdicts.append(r.percentile(99) < BUDGETS[name] and not r.errors)
        counts = {frozenset(measured[s]["results"][name].queries) for s in sizes}
        constant &= len(counts) == 1
        passed &= all(verdicts)
        budget = (f"p99 < {BUDGETS[name]} ms: {'PASS' if all(verdicts) else 'FAIL'}" if name in BUDGETS
                  else "— (measured)")
        lines.append(f"| {name} | " + " | ".join(cells) + f" | {budget} |")
    cells, verdicts = [], []
    for size in sizes:
        e = measured[size]["export"]
        rate, bare = e["export_rows"] / e["export"], e["bare_rows"] / e["bare"]
        share = rate / bare
        verdicts.append(share >= EXPORT_SHARE and e["status"] == 200)
        q = sorted(e["queries"])
        cells.append(f"{'–'.join(map(str, sorted({q[0], q[-1]})))} | {e['export_rows']:,} rows in "
                     f"{e['export']:.1f} s = {rate:,.0f} rows/s | bare loop {e['bare_rows']:,} rows in "
                     f"{e['bare']:.1f} s = {bare:,.0f} rows/s; **{share:.2f}×**")
    lines.append("| compliance CSV export (full) | " + " | ".join(cells)
                 + f" | ≥ {EXPORT_SHARE}× the bare loop: {'PASS' if all(verdicts) else 'FAIL'} |")
    passed &= all(verdicts) and constant
    export_counts = {frozenset(measured[s]["export"]["queries"]) for s in sizes}
    lines += ["", f"Queries constant: {'yes' if constant else 'no'} (pages); export "
                  f"{'constant' if len(export_counts) == 1 else 'grows'} "
                  f"({', '.join(str(sorted(measured[s]['export']['queries'])) for s in sizes)})", ""]
    lines += ["| size | database | per trainee (all) | per trainee (above the empty curriculum) | seeding |",
              "|---|---:|---:|---:|---|"]
    for size in sizes:
        f = facts["sizes"][size]
        lines.append(f"| {k(size)} | {f['bytes'] / 2**20:,.0f} MiB | {f['bytes'] / size / 1024:.1f} KiB | "
                     f"{(f['bytes'] - facts['base_bytes']) / size / 1024:.1f} KiB | {f['seconds']:.0f} s for "
                     f"{f['added_trainees']:,} trainees: " + ", ".join(f"{v:,} {n}" for n, v in f["added"].items())
                     + " |")
    for size in sizes:
        m = measured[size]
        cpu = m["cpu"]
        lines.append(f"\nAt {k(size)}: waited {m['lock_wait']:.0f} s for the lock; load average (1 min) "
                     f"{m['load'][0]:.1f} → {m['load'][1]:.1f}; CPU cores while measuring: this process "
                     f"{cpu['client']:.2f}, database server {cpu['database']:.2f}, other programs {cpu['other']:.2f}")
        for name, r in m["results"].items():
            if r.errors:
                lines.append(f"{name}: {r.errors} errors, first: {r.first_error}")
    return "\n".join(lines), passed


def main(argv=None):
    args = parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    args.output.mkdir(parents=True, exist_ok=True)
    with fresh_database(args.db, args.database_url, args.keep) as url:
        setup_django(url)
        from django.core.management import call_command
        from django.db import connection

        started = time.perf_counter()
        call_command("migrate", verbosity=0, interactive=False)
        call_command("load_curriculum", stdout=open(os.devnull, "w"))
        facts = {"vendor": connection.vendor, "sizes": {}}
        with connection.cursor() as cursor:
            cursor.execute("SELECT sqlite_version()" if connection.vendor == "sqlite" else "SHOW server_version")
            facts["version"] = cursor.fetchone()[0]
        tidy()
        facts["base_bytes"] = database_bytes()
        world = build_world()
        seeder = Seeder(world)
        finish_world(world)
        print(f"curriculum and template ready in {time.perf_counter() - started:.0f} s "
              f"({world['quizzes']} quizzes; {facts['base_bytes'] / 2**20:.0f} MiB)", file=sys.stderr)
        measured = {}
        for size in sizes:
            before = world["trainees"]
            started = time.perf_counter()
            added = seeder.grow(size)
            grown = time.perf_counter() - started
            tidy()
            seconds = time.perf_counter() - started
            facts["sizes"][size] = {"bytes": database_bytes(), "seconds": seconds, "added": added,
                                    "added_trainees": size - before}
            print(f"seeded {size - before:,} trainees in {seconds:.0f} s ({grown:.0f} s inserting; "
                  + ", ".join(f"{n} {v:.0f} s" for n, v in seeder.seconds.items()) + "): "
                  + ", ".join(f"{v:,} {n}" for n, v in added.items())
                  + f"; database {facts['sizes'][size]['bytes'] / 2**20:,.0f} MiB", file=sys.stderr)
            measured[size] = measure(world, size, args)
            print(f"measured at {size:,}", file=sys.stderr)
        stamp = datetime.now(dt_timezone.utc).strftime("%Y%m%d-%H%M%SZ")
        about = machine()
        table, passed = report(args, facts, sizes, measured, stamp)
        text = "\n".join([
            f"# scale, {args.db}, {stamp}: {about['cores']} cores ({about['cpu']}), {about['memory_gib']} GiB; "
            f"{facts['vendor']} {facts['version']}; in process (Django test client); "
            f"{args.page_requests} dashboard and lesson requests, {args.quiz_trainees} fresh attempts × 20 saves, "
            f"{args.hr_requests} matrix pages, best of {args.repeats} exports per size",
            f"# {command_line()}", "", table])
        print(text)
        (args.output / f"scale-{args.db}-{stamp}.md").write_text(text + "\n", encoding="utf-8")
        connection.close()
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
