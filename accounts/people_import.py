"""Checking a people file (CSV or XLSX) before anything is written.

`people_file.read_rows` reads the file within its limits; `plan_import` checks every row against
the file and the database (a fixed number of queries per `in_list_size()` rows) and returns a plan: what to
create, what to update, which departments to add, and every error with its row number and
column. `accounts.api.import_people` writes the plan in one transaction, and only when no row
has an error.

Columns (the header row names them; order is free; blank cells leave existing values alone):

- ``employee_id`` (required) and ``email`` (required): a person is found by employee id, else by
  email; found → updated, not found → created.
- ``display_name``, ``hire_date`` (YYYY-MM-DD), ``language`` (``zh-hans`` or ``en``).
- ``department_code``: the code of an existing department; or ``department_path``: department
  names from the top, separated by "/" (``运营部/用户运营组``). Missing departments on a path are
  created; the last one takes ``department_code`` as its code when both are given.
- ``manager_email``: an existing person's email, or the email of another row of the file.

Row numbers are the spreadsheet's: the header is row 1, the first person row 2.
"""

import hashlib
import re
import sqlite3
from dataclasses import dataclass, field
from datetime import date

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import connection
from django.db.models.functions import Lower
from django.utils.text import slugify
from django.utils.translation import gettext as _

from .models import Department, EmployeeProfile
from .people_file import FormatError, LimitError  # noqa: F401 (where callers have always found them)

PATH_SEPARATOR = "/"
DATE_SHAPE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
MAX_LENGTHS = {"employee_id": 40, "email": 254, "display_name": 120, "department_code": 40}
MAX_LISTED_ERRORS = 1_000  # a report lists this many row errors and counts the rest


@dataclass(frozen=True, slots=True)
class RowError:
    row: int
    column: str
    message: str

    def __str__(self):
        return f"row {self.row}, {self.column}: {self.message}"


@dataclass(slots=True)
class PersonRow:
    """A checked row: what to write for one person."""

    row: int
    employee_id: str
    email: str
    display_name: str = ""
    department: Department | None = None
    department_names: tuple = ()  # set when the department is created by this import
    manager_email: str = ""
    manager: object = None  # the registered user with manager_email, if there is one
    hire_date: date | None = None
    language: str = ""
    user: object = None  # the existing user, for an update
    profile: EmployeeProfile | None = None


@dataclass
class ImportPlan:
    people: list = field(default_factory=list)
    new_departments: dict = field(default_factory=dict)  # names tuple → code, parents first
    coded: set = field(default_factory=set)  # new departments whose code a row gave
    errors: list = field(default_factory=list)  # the first MAX_LISTED_ERRORS
    error_count: int = 0
    rows: int = 0


@dataclass
class ImportReport:
    """What an import did (or, in a dry run or with errors, would have done)."""

    rows: int = 0
    created: list = field(default_factory=list)  # employee ids
    updated: list = field(default_factory=list)
    unchanged: list = field(default_factory=list)
    departments_created: list = field(default_factory=list)  # "运营部/用户运营组"
    errors: list = field(default_factory=list)  # RowError: the first MAX_LISTED_ERRORS
    error_count: int = 0
    dry_run: bool = False

    @property
    def ok(self):
        return not self.errors

    @property
    def written(self):
        return self.ok and not self.dry_run

    def summary(self):
        if self.errors:
            summary = _("%(errors)d error(s) in %(rows)d row(s): nothing was written.") % {
                "errors": max(self.error_count, len(self.errors)), "rows": self.rows}
            if self.error_count > len(self.errors):
                summary += " " + _("The first %(listed)d are listed.") % {"listed": len(self.errors)}
            return summary
        counts = {"created": len(self.created), "updated": len(self.updated),
                  "unchanged": len(self.unchanged), "departments": len(self.departments_created)}
        if self.dry_run:
            return _("Dry run: %(created)d to create, %(updated)d to update, %(unchanged)d unchanged, "
                     "%(departments)d new department(s). Nothing was written.") % counts
        return _("%(created)d created, %(updated)d updated, %(unchanged)d unchanged, "
                 "%(departments)d new department(s).") % counts


# Checking -------------------------------------------------------------------------------------

class _Lookups:
    """Everything the checks compare against, read in a fixed number of queries per
    `in_list_size()` people. Only the fields that the checks and the writes use are loaded:
    a large file brings tens of thousands of users."""

    def __init__(self, rows):
        User = get_user_model()
        ids = {data.get("employee_id", "") for _n, data in rows} - {""}
        emails = {str(data.get(c, "")).lower() for _n, data in rows for c in ("email", "manager_email")} - {""}
        self.profiles, self.users, self.addresses, self.employee_ids = {}, {}, {}, {}  # employee id by user pk
        user_fields = ("user__email", "user__display_name", "user__preferred_language")
        for chunk in chunks(ids):
            for profile in (EmployeeProfile.objects.filter(employee_id__in=chunk).select_related("user")
                            .only("employee_id", "department", "hire_date", "manager", "user", *user_fields)):
                self.profiles[profile.employee_id] = profile
                self.users[profile.user.email.lower()] = profile.user
                self.employee_ids[profile.user_id] = profile.employee_id
        for chunk in chunks(emails - set(self.users)):  # each chunk scans the table (lower-cased): few, large ones
            for user in (User.objects.annotate(email_lower=Lower("email")).filter(email_lower__in=chunk)
                         .select_related("employee").only(*(f[6:] for f in user_fields), "employee__employee_id")):
                self.users[user.email_lower] = user
                if getattr(user, "employee", None) is not None:
                    self.employee_ids[user.pk] = user.employee.employee_id
        for chunk in chunks(emails):
            self.addresses.update(
                EmailAddress.objects.annotate(email_lower=Lower("email")).filter(email_lower__in=chunk)
                .values_list("email_lower", "user_id")
            )
        departments = list(Department.objects.order_by("path"))
        self.codes = {d.code: d for d in departments}
        by_path = {d.path: d for d in departments}
        self.names = {}
        names_of = {}
        for d in departments:
            parent = names_of.get(d.path[: -Department.steplen], ())
            names_of[d.path] = parent + (d.name,)
            self.names[names_of[d.path]] = d
        self.names_of = {by_path[p]: names for p, names in names_of.items()}


def chunks(values, size=None):
    """`values` in lists of `size` (default: `in_list_size()`), for `IN (…)` lookups and
    batched writes."""
    values = list(values)
    size = size or in_list_size()
    for start in range(0, len(values), size):
        yield values[start:start + size]


def in_list_size():
    """Values per `IN (…)`: 10,000, or fewer within an SQLite build's parameter limit (999
    before SQLite 3.32, 32,766 after)."""
    if connection.vendor != "sqlite":
        return 10_000  # PostgreSQL's protocol allows 65,535 parameters
    connection.ensure_connection()
    return min(10_000, connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER) - 10)


def plan_import(rows):
    """Check every row; return an ImportPlan (its `errors` empty when the file may be written)."""
    lookups = _Lookups(rows)
    plan = ImportPlan(rows=len(rows))
    seen_ids, seen_emails = {}, {}
    file_emails = {str(data.get("email", "")).lower() for _n, data in rows}
    for number, data in rows:
        errors = []
        person = _check_row(number, data, lookups, plan, file_emails, errors)
        for column, key, seen in (("employee_id", person.employee_id, seen_ids), ("email", person.email, seen_emails)):
            if key and key in seen:
                errors.append((column, _("Repeats row %(row)d.") % {"row": seen[key]}))
            elif key:
                seen[key] = number
        plan.error_count += len(errors)
        listed = MAX_LISTED_ERRORS - len(plan.errors)
        plan.errors.extend(RowError(number, column, message) for column, message in errors[:max(listed, 0)])
        if not errors:
            plan.people.append(person)
    return plan


def _check_row(number, data, lookups, plan, file_emails, errors):
    def text(column):
        value = data.get(column, "")
        value = value.isoformat() if isinstance(value, date) else str(value).strip()
        limit = MAX_LENGTHS.get(column)
        if limit and len(value) > limit:
            errors.append((column, _("Longer than %(limit)d characters.") % {"limit": limit}))
        return value

    person = PersonRow(row=number, employee_id=text("employee_id"), email=text("email").lower(),
                       display_name=text("display_name"))
    if not person.employee_id:
        errors.append(("employee_id", _("Required.")))
    _check_email(person.email, "email", errors, required=True)
    _find_existing(person, lookups, errors)
    _check_department(person, text("department_code"), text("department_path"), lookups, plan, errors)
    person.manager_email = text("manager_email").lower()
    person.manager = lookups.users.get(person.manager_email)
    if person.manager_email and _check_email(person.manager_email, "manager_email", errors):
        if person.manager_email == person.email:
            errors.append(("manager_email", _("A person cannot be their own manager.")))
        elif person.manager_email not in lookups.users and person.manager_email not in file_emails:
            errors.append(("manager_email", _("No person with this email, in the file or already registered.")))
    person.hire_date = _check_date(data.get("hire_date", ""), errors)
    language = text("language").lower()
    if language and language not in dict(settings.LANGUAGES):
        errors.append(("language", _("Unknown language %(language)s: use one of %(known)s.") % {
            "language": language, "known": ", ".join(dict(settings.LANGUAGES))}))
    person.language = language
    return person


def _check_email(value, column, errors, required=False):
    """True when `value` is an email address; else the error is added."""
    if not value:
        if required:
            errors.append((column, _("Required.")))
        return False
    try:
        validate_email(value)
    except ValidationError:
        errors.append((column, _("Not an email address.")))
        return False
    return True


def _find_existing(person, lookups, errors):
    """The person to update: by employee id, else by email. Refuses an email that belongs to
    somebody else."""
    profile = lookups.profiles.get(person.employee_id)
    by_email = lookups.users.get(person.email)
    address_owner = lookups.addresses.get(person.email)
    if profile is not None:
        person.user, person.profile = profile.user, profile
    elif by_email is not None:
        other = lookups.employee_ids.get(by_email.pk)
        if other is not None:
            errors.append(("email", _("Belongs to employee %(id)s.") % {"id": other}))
            return
        person.user = by_email
    owner = person.user.pk if person.user else None
    if (by_email is not None and by_email.pk != owner) or (address_owner is not None and address_owner != owner):
        errors.append(("email", _("Already used by another account.")))


def _check_department(person, code, path, lookups, plan, errors):
    if path:
        names = tuple(part.strip() for part in path.split(PATH_SEPARATOR))
        if not all(names) or any(len(name) > 120 for name in names):
            errors.append(("department_path", _("Names separated by “/”, none empty.")))
            return
        existing = lookups.names.get(names)
        if existing is not None:
            if code and existing.code != code:
                errors.append(("department_code", _("%(path)s has the code %(code)s.") % {
                    "path": path, "code": existing.code}))
            person.department = existing
            return
        planned = plan.new_departments.get(names)
        if code and planned != code:
            if code in lookups.codes or code in plan.new_departments.values() or names in plan.coded:
                errors.append(("department_code", _("Code %(code)s is already used, or %(path)s has another.") % {
                    "code": code, "path": path}))
                return
            if not re.fullmatch(r"[-a-zA-Z0-9_]+", code):
                errors.append(("department_code", _("Letters, digits, “-” and “_” only.")))
                return
        _plan_departments(names, code, lookups, plan)
        person.department_names = names
    elif code:
        person.department = lookups.codes.get(code)
        if person.department is None:
            errors.append(("department_code", _(
                "No department has the code %(code)s; give department_path to create it.") % {"code": code}))
    elif person.profile is None:
        errors.append(("department_code", _("Required for a new employee (department_code or department_path).")))


def _plan_departments(names, leaf_code, lookups, plan):
    """Plan the departments missing along `names` (parents first) with their codes."""
    for depth in range(1, len(names) + 1):
        prefix = names[:depth]
        if prefix in lookups.names:
            continue
        if depth == len(names) and leaf_code:
            plan.new_departments[prefix] = leaf_code  # replaces a code made up for an earlier row
            plan.coded.add(prefix)
        elif prefix not in plan.new_departments:
            plan.new_departments[prefix] = _new_code(prefix, lookups, plan)


def _new_code(names, lookups, plan):
    """A code from the name ("Growth team" → growth-team) or, for a name with no Latin letters,
    from a digest of its path (运营部 → dept-1a2b3c4d)."""
    code = slugify(names[-1])[:40] or "dept-" + hashlib.sha1(PATH_SEPARATOR.join(names).encode()).hexdigest()[:8]
    taken = set(lookups.codes) | set(plan.new_departments.values())
    base, n = code[:36], 2
    while code in taken:
        code, n = f"{base}-{n}", n + 1
    return code


def _check_date(value, errors):
    if value in ("", None):
        return None
    if isinstance(value, date):
        return value
    if DATE_SHAPE.match(str(value)):
        try:
            return date.fromisoformat(str(value))
        except ValueError:
            pass
    errors.append(("hire_date", _("Not a date in the form YYYY-MM-DD.")))
    return None
