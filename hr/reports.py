"""HR's reads: who must hold which certificate, and how everyone stands.

A person must hold the certificates of the courses assigned to them: to them personally, or to
their department or any department above it (`courses.Assignment`); the due date is the
earliest of those assignments. A certificate rule belongs to the course its exam lies in.

A required certificate is, for one person: *current* (held, more than `EXPIRING_DAYS` left),
*expiring* (held, fewer left), *expired*, *missing* (never held, or revoked) or *overdue*
(missing after the due date). The reports cover employees (people with an employee profile)
and anyone with a personal assignment.

Every read runs a fixed number of queries: the requirements (rules, courses, assignments —
tens or hundreds of rows, held in memory) and one query per page of people, or per chunk of an
export, for their certificates.
"""

from dataclasses import dataclass, field
from datetime import timedelta
from itertools import islice

from django.contrib.auth import get_user_model
from django.db.models import Case, CharField, Count, Exists, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Length, Lower, Substr
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from wagtail.models import Page

from accounts.models import Department, EmployeeProfile
from certification.models import EXPIRING_DAYS, Certificate, CertificateRule
from certification.queries import certificates_of
from content.localization import localized
from courses.models import Assignment, CoursePage, Enrolment, LessonPage, LessonProgress
from courses.outline import outline_at
from courses.queries import Progress, completed_lesson_keys, progress_of
from quizzes.models import Attempt, GradeChange


class CellState:
    CURRENT = "current"
    EXPIRING = "expiring"
    EXPIRED = "expired"
    MISSING = "missing"
    OVERDUE = "overdue"

    labels = {
        CURRENT: _("Current"), EXPIRING: _("Expiring"), EXPIRED: _("Expired"),
        MISSING: _("Missing"), OVERDUE: _("Overdue"),
    }


EXPIRING = timedelta(days=EXPIRING_DAYS)


def cell_state(valid_until, revoked_at, due_date, now, today=None):
    """The state of one required certificate (`valid_until` None: not held). Pass `today`
    (the local date at `now`) when calling it many times."""
    if valid_until is not None and revoked_at is None:
        if now >= valid_until:
            return CellState.EXPIRED
        if valid_until - now <= EXPIRING:
            return CellState.EXPIRING
        return CellState.CURRENT
    return CellState.OVERDUE if due_date < (today or timezone.localdate(now)) else CellState.MISSING


@dataclass(frozen=True)
class Rule:
    id: int
    slug: str
    title: str
    course_key: object
    course_title: str


def _prefixes(path, steplen=Page.steplen):
    """A tree path's ancestors' paths and its own, top first."""
    return [path[:end] for end in range(steplen, len(path) + 1, steplen)]


class Requirements:
    """Which courses (and so which certificate rules) are required of whom, by when.
    Three queries, whatever the number of people."""

    def __init__(self):
        language = get_language()
        course_at, titles, pages = {}, {}, {}
        for row in CoursePage.objects.order_by("path").values(
            "path", "title", "translation_key", "locale__language_code"
        ):
            key = row["translation_key"]
            course_at[row["path"]] = key
            if key not in titles or row["locale__language_code"] == language:
                titles[key], pages[key] = row["title"], row["path"]
        self.course_titles = titles
        self.course_paths = course_at  # every language's page: path → course key
        self.course_page_paths = pages  # course key → its page in the admin's language (or the first)
        self.rules_by_course = {}
        self.rules = {}
        for row in CertificateRule.objects.filter(active=True).order_by("slug").values(
            "id", "slug", "title", "title_en", "exam__path"
        ):
            key = next((course_at[p] for p in _prefixes(row["exam__path"]) if p in course_at), None)
            if key is None:
                continue
            rule = Rule(
                row["id"], row["slug"], localized(row["title"], row["title_en"]), key, self.course_titles.get(key, "")
            )
            self.rules[rule.id] = rule
            self.rules_by_course.setdefault(key, []).append(rule)
        self.by_user, self.by_department, self.personal = {}, {}, []
        for row in Assignment.objects.values(
            "course_key", "user_id", "department__path", "due_date", "user__employee__department__path"
        ):
            target = (
                self.by_user.setdefault(row["user_id"], {}) if row["user_id"]
                else self.by_department.setdefault(row["department__path"], {})
            )
            target[row["course_key"]] = min(row["due_date"], target.get(row["course_key"], row["due_date"]))
            if row["user_id"]:
                self.personal.append((row["user__employee__department__path"], row["course_key"]))

    def courses_of(self, user_id, department_path):
        """{course key: due date} required of one person."""
        required = dict(self.by_user.get(user_id, {}))
        for prefix in _prefixes(department_path or "", Department.steplen):
            for key, due in self.by_department.get(prefix, {}).items():
                required[key] = min(due, required.get(key, due))
        return required

    def rules_of(self, user_id, department_path):
        """[(Rule, due date)] required of one person."""
        return [
            (rule, due)
            for key, due in self.courses_of(user_id, department_path).items()
            for rule in self.rules_by_course.get(key, ())
        ]

    def required_filter(self):
        """A filter on users: those of whom at least one certificate is required."""
        with_rules = set(self.rules_by_course)
        required = Q(Exists(Assignment.objects.filter(user=OuterRef("pk"), course_key__in=with_rules)))
        for path, courses in self.by_department.items():
            if with_rules & set(courses):
                required |= Q(employee__department__path__startswith=path)
        return required

    def rules_in_scope(self, department=None):
        """The rules required of anyone in `department`'s subtree (everyone without), by slug."""
        scope = department.path if department else ""
        keys = {key for path, courses in self.by_department.items()
                if path.startswith(scope) or scope.startswith(path) for key in courses}
        keys |= {key for path, key in self.personal if not scope or (path or "").startswith(scope)}
        return sorted((rule for key in keys for rule in self.rules_by_course.get(key, ())), key=lambda r: r.slug)


# People ---------------------------------------------------------------------------------------

def people():
    """Employees and anyone with a personal assignment, in department then name order."""
    return (
        get_user_model().objects.filter(is_active=True)
        .filter(Q(employee__isnull=False) | Exists(Assignment.objects.filter(user=OuterRef("pk"))))
        .select_related("employee__department")
        .order_by("employee__department__path", Lower("display_name"), "email", "pk")
    )


def department_path(person):
    employee = getattr(person, "employee", None)
    return employee.department.path if employee else ""


def current_certificates(user_ids, rule_ids):
    """{(user id, rule id): (valid_until, revoked_at, certificate id)} — one query."""
    rows = Certificate.objects.filter(is_current=True, user_id__in=user_ids, rule_id__in=rule_ids).values_list(
        "user_id", "rule_id", "valid_until", "revoked_at", "id"
    )
    return {(u, r): (valid_until, revoked_at, pk) for u, r, valid_until, revoked_at, pk in rows}


# Compliance matrix ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Cell:
    state: str
    due_date: object = None
    valid_until: object = None
    certificate_id: int | None = None

    @property
    def label(self):
        return CellState.labels[self.state]


@dataclass
class MatrixRow:
    person: object
    cells: dict = field(default_factory=dict)  # rule id → Cell, for required rules only


def matrix_rows(persons, requirements, rules, *, now=None):
    """The matrix rows of a page of `persons` (Users with `employee__department`), over the
    column `rules`. One query (their certificates)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    columns = {rule.id for rule in rules}
    held = current_certificates([p.pk for p in persons], columns)
    rows = []
    for person in persons:
        row = MatrixRow(person)
        for rule, due in requirements.rules_of(person.pk, department_path(person)):
            if rule.id in columns:
                valid_until, revoked_at, pk = held.get((person.pk, rule.id), (None, None, None))
                row.cells[rule.id] = Cell(cell_state(valid_until, revoked_at, due, now, today), due, valid_until, pk)
        rows.append(row)
    return rows


MATRIX_EXPORT_FIELDS = [
    "employee_id", "person", "email", "department", "certificate", "course", "state", "due_date", "valid_until",
]


def _chunks(iterable, size):
    iterator = iter(iterable)
    while chunk := list(islice(iterator, size)):
        yield chunk


def matrix_export_rows(person_queryset, requirements, rules, *, chunk_size, now=None):
    """One dict per person and required certificate (long format, for pivot tables), streamed:
    people are read `chunk_size` at a time, each chunk's certificates in one query."""
    now = now or timezone.now()
    today, zone = timezone.localdate(now), timezone.get_current_timezone()
    columns = {rule.id for rule in rules}
    values = person_queryset.values_list(
        "pk", "display_name", "first_name", "last_name", "email", "username",
        "employee__employee_id", "employee__department__name", "employee__department__path",
    )
    for chunk in _chunks(values.iterator(chunk_size=chunk_size), chunk_size):
        held = current_certificates([row[0] for row in chunk], columns)
        for pk, display, first, last, email, username, employee_id, department, path in chunk:
            name = display or f"{first} {last}".strip() or email or username
            for rule, due in requirements.rules_of(pk, path):
                if rule.id not in columns:
                    continue
                valid_until, revoked_at, _pk = held.get((pk, rule.id), (None, None, None))
                yield {
                    "employee_id": employee_id or "", "person": name, "email": email, "department": department or "",
                    "certificate": rule.title, "course": rule.course_title,
                    "state": cell_state(valid_until, revoked_at, due, now, today), "due_date": due,
                    "valid_until": valid_until.astimezone(zone).date() if valid_until else None,
                }


# Department summary ---------------------------------------------------------------------------

@dataclass
class DepartmentFigures:
    """A department with its sub-departments: people, and how their assigned courses and
    required certificates stand."""

    department: Department
    names: str = ""  # "运营部/用户运营组"
    people: int = 0
    assigned: int = 0  # person × assigned course
    completed: int = 0
    overdue: int = 0  # assigned courses past their due date and not completed
    required: int = 0  # person × required certificate
    certified: int = 0  # current or expiring

    @property
    def completion_percent(self):
        return round(100 * self.completed / self.assigned) if self.assigned else None

    @property
    def certified_percent(self):
        return round(100 * self.certified / self.required) if self.required else None


def course_lessons(requirements):
    """{course key: {lesson keys}} of the live lessons of every course — one query."""
    lessons = {}
    for key, path in LessonPage.objects.live().values_list("translation_key", "path"):
        course = next((requirements.course_paths[p] for p in _prefixes(path) if p in requirements.course_paths), None)
        if course is not None:
            lessons.setdefault(course, set()).add(key)
    return lessons


def completed_courses(user_filter, lessons):
    """{(user id, course key)} of courses whose every live lesson the people (LessonProgress
    filter `user_filter`) completed — one grouped query, one row per person and course."""
    lessons = {course: keys for course, keys in lessons.items() if keys}
    if not lessons:
        return set()
    course_of = Case(
        *[When(lesson_key__in=list(keys), then=Value(str(course))) for course, keys in lessons.items()],
        output_field=CharField(),
    )
    rows = (
        LessonProgress.objects.filter(user_filter, lesson_key__in=[k for keys in lessons.values() for k in keys])
        .annotate(course=course_of).values("user_id", "course").order_by().annotate(done=Count("pk"))
    )
    totals = {str(course): len(keys) for course, keys in lessons.items()}
    return {(row["user_id"], row["course"]) for row in rows if row["done"] >= totals[row["course"]]}


def department_summary(departments, *, now=None):
    """[DepartmentFigures] for `departments` (every department, or one and those below it, in
    tree order), each counting its sub-departments too. Seven queries whatever the number of
    people (six more, and one for the names above a sub-tree, after reading `departments`)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    departments = list(departments)
    if not departments:
        return []
    listed = {d.path for d in departments}
    tops = [d.path for d in departments if d.path[: -Department.steplen] not in listed]
    above = [path for top in tops for path in _prefixes(top, Department.steplen)[:-1]]
    names = dict(Department.objects.filter(path__in=above).values_list("path", "name")) if above else {}
    figures = {}
    for d in departments:  # tree order: a department's parent is named before it
        names[d.path] = d.name
        figures[d.path] = DepartmentFigures(d, "/".join(names[p] for p in _prefixes(d.path, Department.steplen)))
    in_scope, scope = Q(), Q()  # profiles, and other rows by their person, in the listed sub-trees
    for top in tops:
        in_scope |= Q(department__path__startswith=top)
        scope |= Q(user__employee__department__path__startswith=top)
    requirements = Requirements()
    employees = list(
        EmployeeProfile.objects.filter(in_scope, user__is_active=True).values_list("user_id", "department__path")
    )
    done = completed_courses(Q(user__employee__isnull=False) & scope, course_lessons(requirements))
    in_force = set(  # current or expiring: only the pairs, no dates to convert
        Certificate.objects.active_at(now)
        .filter(Q(user__employee__isnull=False) & scope, rule_id__in=list(requirements.rules))
        .values_list("user_id", "rule_id")
    )
    for user_id, path in employees:
        courses = requirements.courses_of(user_id, path)
        completed = sum(1 for key in courses if (user_id, str(key)) in done)
        overdue = sum(1 for key, due in courses.items() if due < today and (user_id, str(key)) not in done)
        rules = [(rule, due) for key, due in courses.items() for rule in requirements.rules_by_course.get(key, ())]
        certified = sum(1 for rule, _due in rules if (user_id, rule.id) in in_force)
        for prefix in _prefixes(path, Department.steplen):
            target = figures.get(prefix)
            if target is not None:
                target.people += 1
                target.assigned += len(courses)
                target.completed += completed
                target.overdue += overdue
                target.required += len(rules)
                target.certified += certified
    return list(figures.values())


# Certificates in force --------------------------------------------------------------------------

def certificates_in_force(*, now=None):
    """Certificates neither revoked, superseded nor expired, soonest to expire first, with
    their holder (and department) and rule. The expiring report narrows them by date."""
    return (Certificate.objects.active_at(now or timezone.now())
            .select_related("user__employee__department", "rule").order_by("valid_until", "pk"))


# Transcript -------------------------------------------------------------------------------------

@dataclass
class CourseLine:
    """A course on a transcript: its title, the person's progress in it (as their dashboard
    counts it, `courses.queries`), enrolment and due date."""

    title: str
    progress: Progress
    enrolled: bool
    due_date: object
    overdue: bool  # not complete after the due date


def transcript(person, *, now=None):
    """One person's courses (enrolled or assigned) with progress, quiz attempts, the grades given
    to their essays (`grade_changes`, newest first) and certificates."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    requirements = Requirements()
    required = requirements.courses_of(person.pk, department_path(person))
    enrolments = {
        e["course_key"]: e["due_date"] for e in Enrolment.objects.filter(user=person).values("course_key", "due_date")
    }
    completed = completed_lesson_keys(person)
    courses = []
    for key in sorted(set(required) | set(enrolments), key=lambda k: requirements.course_titles.get(k, "")):
        path = requirements.course_page_paths.get(key)
        progress = progress_of(outline_at(path).all_lessons(), completed) if path else Progress()
        due = min((d for d in (required.get(key), enrolments.get(key)) if d), default=None)
        overdue = due is not None and due < today and not progress.complete
        courses.append(
            CourseLine(requirements.course_titles.get(key, str(key)), progress, key in enrolments, due, overdue)
        )
    attempts = list(Attempt.objects.filter(user=person).select_related("quiz")
                    .annotate(module_title=_parent_title("quiz__path")).order_by("-started_at"))
    # Every grade a person gave this person's essays, regrades with their reasons: HR's audit trail.
    grade_changes = list(GradeChange.objects.filter(attempt_question__attempt__user=person)
                         .select_related("changed_by", "attempt_question__attempt__quiz")
                         .annotate(module_title=_parent_title("attempt_question__attempt__quiz__path"))
                         .order_by("-changed_at", "-pk"))
    certificates = certificates_of(person)
    rules = [
        (rule, due, cell_state(*_held(certificates, rule), due, now))
        for rule, due in requirements.rules_of(person.pk, department_path(person))
    ]
    return {"courses": courses, "attempts": attempts, "grade_changes": grade_changes, "certificates": certificates,
            "required": rules}


def _parent_title(quiz_path):
    """The title of the page above a quiz (its module, or the course for the final exam), read
    in the same query: every module's quiz may share one title ("模块测验")."""
    parent_path = Substr(OuterRef(quiz_path), 1, Length(OuterRef(quiz_path)) - Page.steplen)
    return Subquery(Page.objects.filter(path=parent_path).values("title")[:1])


def quiz_label(module_title, quiz):
    return f"{module_title} · {quiz.title}" if module_title else quiz.title


def _held(certificates, rule):
    current = next((c for c in certificates if c.rule_id == rule.id and c.is_current), None)
    return (current.valid_until, current.revoked_at) if current else (None, None)


def transcript_export_rows(person, data):
    """The transcript as flat rows: one per course, attempt, grade change and certificate."""
    for line in data["courses"]:
        progress = line.progress
        yield {"section": "course", "item": line.title, "status": "complete" if progress.complete else (
            "overdue" if line.overdue else "in progress"),
            "score": f"{progress.percent}%", "date": line.due_date,
            "detail": f"{progress.done}/{progress.total} lessons"}
    for attempt in data["attempts"]:
        yield {"section": "attempt", "item": quiz_label(attempt.module_title, attempt.quiz),
               "status": "passed" if attempt.passed else attempt.status, "score": attempt.percent,
               "date": timezone.localtime(attempt.finished_at).date() if attempt.finished_at else None,
               "detail": f"#{attempt.number}"}
    for change in data["grade_changes"]:
        attempt = change.attempt_question.attempt
        before = "—" if change.score_before is None else f"{change.score_before.normalize():f}"
        yield {"section": "grade change", "item": quiz_label(change.module_title, attempt.quiz),
               "status": change.reason,
               "score": change.score_after, "date": timezone.localtime(change.changed_at).date(),
               "detail": f"#{attempt.number} {before} → {change.score_after.normalize():f} "
                         f"{change.changed_by.get_display_name() if change.changed_by else ''}".strip()}
    for certificate in data["certificates"]:
        yield {"section": "certificate", "item": certificate.achievement, "status": certificate.current_status,
               "score": certificate.score, "date": timezone.localtime(certificate.valid_until).date(),
               "detail": certificate.code}


__all__ = [
    "CellState", "Requirements", "people", "matrix_rows", "matrix_export_rows",
    "department_summary", "certificates_in_force", "transcript", "transcript_export_rows",
]
