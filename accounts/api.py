"""Writes to people and departments. Other apps and the admin change them only through these."""

from collections import defaultdict
from contextlib import nullcontext

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
from .people_file import read_rows
from .people_import import CHUNK, PATH_SEPARATOR, ImportReport, chunks, plan_import

__all__ = ["add_department", "import_people", "ImportReport"]

BATCH = 500  # rows per write: bounded memory, and within every database's parameter limit


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
    Raises `people_file.FormatError` for a file that cannot be read at all, and its subclass
    `LimitError` for a file over a limit (`people_file.LIMITS`), before anything is written.

    The file is read before the transaction (no lock is held while it streams); the checks and
    the writes share one, so they see the same people and a failure writes nothing."""
    rows = read_rows(file, fmt)
    with nullcontext() if dry_run else transaction.atomic():
        plan = plan_import(rows)
        del rows
        report = ImportReport(rows=plan.rows, errors=plan.errors, error_count=plan.error_count, dry_run=dry_run,
                              departments_created=[PATH_SEPARATOR.join(names) for names in plan.new_departments])
        changed = []
        for person in plan.people:
            if person.user is None:
                report.created.append(person.employee_id)
            elif _changes(person):
                report.updated.append(person.employee_id)
                changed.append(person)
            else:
                report.unchanged.append(person.employee_id)
        if report.written:
            _write(plan, changed)
    return report


def _write(plan, changed):
    """Every write in batches of BATCH rows, whatever the number of people."""
    departments = _create_departments(plan.new_departments)
    for person in plan.people:
        if person.department_names:
            person.department = departments[person.department_names]
    ids = {p.email: (p.user.pk, p.profile.pk, p.profile.manager_id) for p in plan.people if p.profile is not None}
    ids.update(_create_people([p for p in plan.people if p.user is None]))
    ids.update(_update_people(changed))
    _set_managers(plan.people, ids)


def _create_people(people):
    """New users in bulk (an import may bring thousands): the email is the username, unless
    an account already has it as username; an unusable password (they choose one through
    "forgot password"), a verified address, the Trainees group, the profile. Written a batch at
    a time, so that memory holds one batch of model objects; returns {email: (user id,
    profile id, manager id)}."""
    User = get_user_model()
    trainees = Group.objects.get(name=TRAINEES) if people else None
    ids = {}
    for batch in chunks(people, BATCH):
        taken = set(User.objects.filter(username__in=[p.email[:150] for p in batch]).values_list("username", flat=True))
        users = User.objects.bulk_create([
            User(username=p.email[:150] if p.email[:150] not in taken else generate_unique_username([p.email, p.employee_id]),
                 email=p.email, display_name=p.display_name, password=make_password(None),
                 preferred_language=p.language or settings.LANGUAGE_CODE)
            for p in batch
        ])
        User.groups.through.objects.bulk_create([User.groups.through(user_id=u.pk, group_id=trainees.pk) for u in users])
        EmailAddress.objects.bulk_create([EmailAddress(user=u, email=u.email, verified=True, primary=True) for u in users])
        profiles = EmployeeProfile.objects.bulk_create([
            EmployeeProfile(user_id=u.pk, employee_id=p.employee_id, department=p.department, hire_date=p.hire_date)
            for p, u in zip(batch, users)
        ])
        ids.update((p.email, (u.pk, profile.pk, None)) for p, u, profile in zip(batch, users, profiles))
    return ids


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


def _update_people(people):
    """Apply each person's changes (`_changes`) to their user and profile (a missing profile is
    created), and make their email their verified primary address: in batches. Returns {email:
    (user id, profile id, manager id)}."""
    User = get_user_model()
    ids = {}
    for batch in chunks(people, BATCH):
        old_emails, profiles, new_profiles = {}, [], []
        for person in batch:
            user = person.user
            old_emails[user.pk] = user.email
            for attr, value in (("email", person.email), ("display_name", person.display_name),
                                ("preferred_language", person.language)):
                if value:
                    setattr(user, attr, value)
            profile = person.profile or EmployeeProfile(user=user)
            profile.employee_id = person.employee_id
            profile.department = person.department or profile.department
            profile.hire_date = person.hire_date or profile.hire_date
            (profiles if profile.pk else new_profiles).append(profile)
            person.profile = profile
        _bulk_update(User, [p.user for p in batch], ["email", "display_name", "preferred_language"])
        _bulk_update(EmployeeProfile, profiles, ["employee_id", "department", "hire_date"])
        EmployeeProfile.objects.bulk_create(new_profiles)
        _verify_addresses(batch, old_emails)
        ids.update((p.email, (p.user.pk, p.profile.pk, p.profile.manager_id)) for p in batch)
    return ids


def _verify_addresses(people, old_emails):
    """Each person's email becomes their verified primary address, so that they can reset a
    password and log in; an email they changed from is removed."""
    mine = defaultdict(list)
    for address in EmailAddress.objects.filter(user_id__in=list(old_emails)):
        mine[address.user_id].append(address)
    remove, demote, promote, create = [], [], [], []
    for person in people:
        user_id, email = person.user.pk, person.email
        old = old_emails[user_id].lower()
        addresses = mine[user_id]
        if old != email:
            remove += [a.pk for a in addresses if a.email.lower() == old]
            addresses = [a for a in addresses if a.email.lower() != old]
        target = next((a for a in addresses if a.email.lower() == email), None)
        if target is not None and target.verified and target.primary:
            continue
        demote += [a.pk for a in addresses if a.primary and a is not target]
        if target is None:
            create.append(EmailAddress(user_id=user_id, email=email, verified=True, primary=True))
        else:
            promote.append(target.pk)
    if remove:
        EmailAddress.objects.filter(pk__in=remove).delete()
    if demote:
        EmailAddress.objects.filter(pk__in=demote).update(primary=False)
    if promote:
        EmailAddress.objects.filter(pk__in=promote).update(verified=True, primary=True)
    EmailAddress.objects.bulk_create(create)


def _set_managers(people, ids):
    """Managers in batches: one UPDATE for BATCH people, whoever their managers are. `ids`:
    {email: (user id, profile id, manager id)} of the file's people."""
    User = get_user_model()
    wanted = {p.manager_email for p in people if p.manager_email} - set(ids)
    registered = {}
    for chunk in chunks(wanted):
        registered.update(User.objects.annotate(email_lower=Lower("email")).filter(email_lower__in=chunk).values_list("email_lower", "pk"))
    changed = []
    for person in people:
        if person.manager_email:
            _user_id, profile_id, current = ids[person.email]
            manager_id = ids[person.manager_email][0] if person.manager_email in ids else registered[person.manager_email]
            if current != manager_id:
                changed.append(EmployeeProfile(pk=profile_id, manager_id=manager_id))
    _bulk_update(EmployeeProfile, changed, ["manager"])


def _bulk_update(model, objects, fields):
    """`bulk_update` in batches within CHUNK parameters: a row takes two per field (CASE WHEN
    pk THEN value) and one in the pk list. (Django 5.2 counts fewer on SQLite.)"""
    model.objects.bulk_update(objects, fields, batch_size=CHUNK // (2 * len(fields) + 1))
