"""Writes to people and departments. Other apps and the admin change them only through these."""

from collections import defaultdict

from allauth.account.models import EmailAddress
from allauth.utils import generate_unique_username
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import transaction
from django.db.models.functions import Lower

from .groups import TRAINEES
from .models import Department, EmployeeProfile
from .people_import import ImportReport, PATH_SEPARATOR, plan_import, read_rows

__all__ = ["add_department", "import_people", "ImportReport"]


def add_department(name: str, *, code: str, parent: Department | None = None) -> Department:
    """A new department under `parent` (a top-level one without), kept in name order.

    Keeping name order moves later siblings' paths, so a department object held from before
    may carry a stale path: the parent is read afresh, and callers should re-read theirs."""
    if parent is None:
        return Department.add_root(name=name, code=code)
    return Department.objects.get(pk=parent.pk).add_child(name=name, code=code)


def import_people(file, fmt: str, *, dry_run: bool = False) -> ImportReport:
    """Create or update the people of a CSV or XLSX file (see `accounts.people_import`).

    Every row is checked first; if any row has an error, the report lists each one (row number,
    column, reason) and nothing is written. A dry run checks and reports what would change.
    Raises `people_import.FormatError` for a file that cannot be read at all."""
    plan = plan_import(read_rows(file, fmt))
    report = ImportReport(rows=plan.rows, errors=plan.errors, dry_run=dry_run,
                          departments_created=[PATH_SEPARATOR.join(names) for names in plan.new_departments])
    for person in plan.people:
        if person.user is None:
            report.created.append(person.employee_id)
        elif _changes(person):
            report.updated.append(person.employee_id)
        else:
            report.unchanged.append(person.employee_id)
    if report.written:
        _write(plan)
    return report


@transaction.atomic
def _write(plan):
    departments = _create_departments(plan.new_departments)
    for person in plan.people:
        if person.department_names:
            person.department = departments[person.department_names]
    existing = [p for p in plan.people if p.user is not None]
    users = _create_people([p for p in plan.people if p.user is None])
    for person in existing:
        users[person.email] = _update_person(person) if _changes(person) else person.user
    _set_managers(plan.people, users)


def _create_people(people):
    """New users in bulk (an import may bring thousands): the email is the username, unless
    an account already has it as username; an unusable password (they choose one through
    "forgot password"), a verified address, the Trainees group, the profile."""
    User = get_user_model()
    taken = set(User.objects.filter(username__in=[p.email[:150] for p in people]).values_list("username", flat=True))
    users = User.objects.bulk_create([
        User(username=p.email[:150] if p.email[:150] not in taken else generate_unique_username([p.email, p.employee_id]),
             email=p.email, display_name=p.display_name, password=make_password(None),
             preferred_language=p.language or settings.LANGUAGE_CODE)
        for p in people
    ], batch_size=500)
    trainees = Group.objects.get(name=TRAINEES)
    User.groups.through.objects.bulk_create(
        [User.groups.through(user_id=u.pk, group_id=trainees.pk) for u in users], batch_size=500)
    EmailAddress.objects.bulk_create(
        [EmailAddress(user=u, email=u.email, verified=True, primary=True) for u in users], batch_size=500)
    profiles = EmployeeProfile.objects.bulk_create([
        EmployeeProfile(user=u, employee_id=p.employee_id, department=p.department, hire_date=p.hire_date)
        for p, u in zip(people, users)
    ], batch_size=500)
    for person, user, profile in zip(people, users, profiles):
        person.user, person.profile = user, profile
    return {u.email: u for u in users}


def _create_departments(new_departments):
    """{names: Department} for the planned departments (parents are planned before children)."""
    created = {}
    for names, code in new_departments.items():
        parent = created.get(names[:-1]) if len(names) > 1 else None
        if parent is None and len(names) > 1:
            parent = _existing_department(names[:-1])
        created[names] = add_department(names[-1], code=code, parent=parent)
    return created


def _existing_department(names):
    department = None
    for name in names:
        children = Department.get_root_nodes() if department is None else department.get_children()
        department = children.get(name=name)
    return department


def _changes(person):
    """The user and profile fields this row would change, as {field: value}."""
    user, profile = person.user, person.profile
    changes = {}
    for attr, value in (("email", person.email), ("display_name", person.display_name),
                        ("preferred_language", person.language)):
        if value and getattr(user, attr) != value:
            changes[attr] = value
    if profile is None:
        return {**changes, "profile": True}
    for attr, value in (("department", person.department), ("hire_date", person.hire_date)):
        if value and getattr(profile, attr) != value:
            changes[attr] = value
    if person.department_names or (person.manager_email and (profile.manager is None or profile.manager.email.lower() != person.manager_email)):
        changes["profile"] = True
    return changes


def _update_person(person):
    user = person.user
    old_email = user.email
    for attr, value in _changes(person).items():
        if attr in ("email", "display_name", "preferred_language"):
            setattr(user, attr, value)
    user.save()
    if old_email.lower() != person.email:
        EmailAddress.objects.filter(user=user, email__iexact=old_email).delete()
    _verified_address(user, person.email)
    profile = person.profile or EmployeeProfile(user=user, employee_id=person.employee_id)
    profile.employee_id = person.employee_id
    profile.department = person.department or profile.department
    profile.hire_date = person.hire_date or profile.hire_date
    profile.save()
    person.profile = profile
    return user


def _verified_address(user, email):
    """A verified primary address, so that the person can reset a password and log in."""
    address = EmailAddress.objects.filter(user=user, email__iexact=email).first()
    if address is None:
        EmailAddress.objects.filter(user=user, primary=True).update(primary=False)
        EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    elif not (address.verified and address.primary):
        EmailAddress.objects.filter(user=user, primary=True).exclude(pk=address.pk).update(primary=False)
        address.verified = address.primary = True
        address.save(update_fields=["verified", "primary"])


def _set_managers(people, users):
    """One update per manager, not per person."""
    User = get_user_model()
    wanted = {p.manager_email for p in people if p.manager_email} - set(users)
    existing = {
        u.email_lower: u for u in User.objects.annotate(email_lower=Lower("email")).filter(email_lower__in=wanted)
    } if wanted else {}
    reports = defaultdict(list)
    for person in people:
        if person.manager_email:
            manager = users.get(person.manager_email) or existing.get(person.manager_email)
            if person.profile.manager_id != manager.pk:
                reports[manager.pk].append(person.profile.pk)
    for manager_id, profile_ids in reports.items():
        for start in range(0, len(profile_ids), 900):  # within every database's parameter limit
            EmployeeProfile.objects.filter(pk__in=profile_ids[start:start + 900]).update(manager_id=manager_id)
