"""Writes to people and departments. Other apps and the admin change them only through these."""

import secrets
from collections import defaultdict
from contextlib import nullcontext

from allauth.account.models import EmailAddress
from allauth.utils import generate_unique_username
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.contrib.auth.models import Group
from django.db import connection, transaction

from .groups import TRAINEES
from .models import Department, EmployeeProfile, refresh_moved_sort_keys, refresh_sort_keys
from .people_file import FormatError, read_rows
from .people_file import limit as import_limit
from .people_import import PATH_SEPARATOR, ImportReport, chunks, in_list_size, plan_import

__all__ = [
    "FormatError", "ImportReport", "add_department", "change_department", "import_limit", "import_people",
]

BATCH = 500  # rows per write: bounded memory, and within every database's parameter limit


def add_department(name: str, *, code: str, parent: Department | None = None) -> Department:
    """A new department under `parent` (a top-level one without), kept in name order.

    Keeping name order moves later siblings' paths, so a department object held from before
    may carry a stale path: the parent is read afresh, and callers should re-read theirs (and
    the people of moved departments get their new paths as sort keys)."""
    if parent is None:
        department = Department.add_root(name=name, code=code)
    else:
        department = Department.objects.get(pk=parent.pk).add_child(name=name, code=code)
    refresh_moved_sort_keys()
    return department


@transaction.atomic
def change_department(department, *, name, code, parent):
    """Rename `department`, change its code, or move it (with everything below it) under
    `parent` (None: the top level), keeping every level in name order."""
    department.name, department.code = name, code
    department.save(update_fields=["name", "code"])
    department = Department.objects.get(pk=department.pk)
    if parent is None:
        department.move(Department.get_first_root_node(), "sorted-sibling")
    else:
        department.move(Department.objects.get(pk=parent.pk), "sorted-child")
    refresh_moved_sort_keys()
    return Department.objects.get(pk=department.pk)


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
        del rows  # the rows are in the plan now: free the dicts before the writes
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
    ids = {p.email: (p.user.pk, p.profile.manager_id) for p in plan.people if p.profile is not None}
    ids.update(_create_people([p for p in plan.people if p.user is None]))
    ids.update(_update_people(changed))
    _set_managers(plan.people, ids)


def _create_people(people):
    """New users in bulk (an import may bring thousands): the email is the username, unless
    an account already has it as username; an unusable password (they choose one through
    "forgot password"), a verified address, the Trainees group, the profile. Written a batch at
    a time, so that memory holds one batch of model objects; returns {email: (user id,
    manager id)}."""
    User = get_user_model()
    trainees = Group.objects.get(name=TRAINEES) if people else None
    ids = {}
    for batch in chunks(people, BATCH):
        taken = set(User.objects.filter(username__in=[p.email[:150] for p in batch]).values_list("username", flat=True))
        users = User.objects.bulk_create([
            User(username=p.email[:150] if p.email[:150] not in taken
                 else generate_unique_username([p.email, p.employee_id]),
                 email=p.email, display_name=p.display_name, password=_unusable_password(),
                 preferred_language=p.language or settings.LANGUAGE_CODE)
            for p in batch
        ])
        _insert_rows(User.groups.through, ["user", "group"], [(u.pk, trainees.pk) for u in users])
        _insert_rows(EmailAddress, ["user", "email", "verified", "primary"],
                     [(u.pk, u.email, True, True) for u in users])
        _insert_rows(EmployeeProfile, ["user", "employee_id", "department", "hire_date"],
                     [(u.pk, p.employee_id, p.department.pk, p.hire_date) for p, u in zip(batch, users)])
        refresh_sort_keys([u.pk for u in users])
        ids.update((u.email, (u.pk, None)) for u in users)
    return ids


def _unusable_password():
    """What `make_password(None)` makes, from one call to the system's random source instead
    of forty (a tenth of a 50,000-person import went there)."""
    return UNUSABLE_PASSWORD_PREFIX + secrets.token_urlsafe(30)


def _create_departments(new_departments):
    """{names: Department} for the planned departments (a parent sorts before its children)."""
    created = {}
    for names, code in sorted(new_departments.items()):  # in name order each is its parent's last: no paths move
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
    for attr, value in (("department_id", person.department and person.department.pk), ("hire_date", person.hire_date)):
        if value and getattr(profile, attr) != value:
            changes[attr] = value
    new_manager = person.manager_email and (person.manager is None or profile.manager_id != person.manager.pk)
    if person.department_names or new_manager:
        changes["profile"] = True
    return changes


def _update_people(people):
    """Apply each person's changes (`_changes`) to their user and profile (a missing profile is
    created), and make their email their verified primary address: in batches. Returns {email:
    (user id, manager id)}."""
    User = get_user_model()
    ids = {}
    for batch in chunks(people, BATCH):
        users, profiles, new_profiles, old_emails = [], [], [], {}
        for person in batch:
            user, profile = person.user, person.profile
            old_emails[user.pk] = user.email
            users.append((person.email, person.display_name or user.display_name,
                          person.language or user.preferred_language, user.pk))
            if profile is None:
                new_profiles.append((user.pk, person.employee_id, person.department.pk, person.hire_date))
            else:
                department_id = person.department.pk if person.department else profile.department_id
                profiles.append((person.employee_id, department_id, person.hire_date or profile.hire_date, profile.pk))
            ids[person.email] = (user.pk, profile.manager_id if profile else None)
        _update_rows(User, ["email", "display_name", "preferred_language"], users)
        _update_rows(EmployeeProfile, ["employee_id", "department", "hire_date"], profiles)
        _insert_rows(EmployeeProfile, ["user", "employee_id", "department", "hire_date"], new_profiles)
        refresh_sort_keys([person.user.pk for person in batch])
        _verify_addresses(batch, old_emails)
    return ids


def _verify_addresses(people, old_emails):
    """Each person's email becomes their verified primary address, so that they can reset a
    password and log in. A changed email renames the old address (no other address has the new
    one) or gives way to the address that has it."""
    mine = defaultdict(list)  # user id → [(pk, email, verified, primary)]
    addresses = EmailAddress.objects.filter(user_id__in=list(old_emails))
    for pk, user_id, email, verified, primary in addresses.values_list("pk", "user_id", "email", "verified", "primary"):
        mine[user_id].append((pk, email.lower(), verified, primary))
    remove, demote, promote, rename, create = [], [], [], [], []
    for person in people:
        user_id, email, old = person.user.pk, person.email, old_emails[person.user.pk].lower()
        addresses = mine[user_id]
        target = next((a for a in addresses if a[1] == email), None)
        previous = next((a for a in addresses if a[1] == old), None) if old != email else None
        others = [a for a in addresses if a[3] and a is not target and a is not previous]
        if target is None and previous is not None:  # a new email: the old address takes it
            demote += [a[0] for a in others]
            rename.append((email, True, True, previous[0]))
            continue
        if previous is not None:  # the new email was already one of theirs: the old one goes
            remove.append(previous[0])
        if target is None:
            demote += [a[0] for a in others]
            create.append((user_id, email, True, True))
        elif not (target[2] and target[3]):
            demote += [a[0] for a in others]
            promote.append(target[0])
    if remove:
        EmailAddress.objects.filter(pk__in=remove).delete()
    if demote:
        EmailAddress.objects.filter(pk__in=demote).update(primary=False)
    _update_rows(EmailAddress, ["email", "verified", "primary"], rename)
    if promote:
        EmailAddress.objects.filter(pk__in=promote).update(verified=True, primary=True)
    _insert_rows(EmailAddress, ["user", "email", "verified", "primary"], create)


def _set_managers(people, ids):
    """Managers in batches: one statement for BATCH people, whoever their managers are. `ids`:
    {email: (user id, manager id)} of the file's people, by the email the file gives them."""
    changed = []
    for person in people:
        if person.manager_email:
            user_id, current = ids[person.email]
            # Someone of the file (by their email in it), else the registered user the checks found.
            manager_id = ids[person.manager_email][0] if person.manager_email in ids else person.manager.pk
            if current != manager_id:
                changed.append((manager_id, user_id))
    for batch in chunks(changed, BATCH):
        _update_rows(EmployeeProfile, ["manager"], batch, key="user")


# Many rows, few statements. Django's bulk_update builds a CASE expression per field and row, and
# bulk_create a model instance and placeholders per row: together they made a 50,000-person
# import spend most of its minute in the ORM.

def _insert_rows(model, fields, rows):
    """INSERT `rows`, tuples of the `fields` (names) of `model`: as many rows per statement
    as the database's parameter limit allows."""
    table, columns, prepare = _columns(model, fields)
    row = f"({', '.join(['%s'] * len(columns))})"
    with connection.cursor() as cursor:
        for chunk in chunks(rows, max(1, in_list_size() // len(columns))):
            cursor.execute(f"INSERT INTO {table} ({', '.join(columns)}) VALUES {', '.join([row] * len(chunk))}",
                           [value for values in chunk for value in prepare(values)])


def _update_rows(model, fields, rows, *, key="pk"):
    """UPDATE `fields` (names) of `model` where `key` matches: `rows` are tuples of the fields'
    values, then the key's. One statement, prepared once and sent with every row (executemany,
    pipelined on PostgreSQL)."""
    if not rows:
        return
    table, columns, prepare = _columns(model, [*fields, key])
    assignments = ", ".join(f"{column} = %s" for column in columns[:-1])
    with connection.cursor() as cursor:
        cursor.executemany(f"UPDATE {table} SET {assignments} WHERE {columns[-1]} = %s",
                           [prepare(values) for values in rows])


def _columns(model, fields):
    """The quoted table and column names of `fields`, and a function that puts a row's values
    in the database's form: dates as text on SQLite; ids, text and booleans as they are."""
    meta, quote = model._meta, connection.ops.quote_name
    found = [meta.pk if name == "pk" else meta.get_field(name) for name in fields]
    dated = [f if f.get_internal_type() in ("DateField", "DateTimeField") else None for f in found]

    def prepare(values):
        return [f.get_db_prep_save(v, connection) if f else v for f, v in zip(dated, values)]

    return quote(meta.db_table), [quote(f.column) for f in found], prepare
