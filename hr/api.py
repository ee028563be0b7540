"""HR's own writes: appointing and dismissing managers. Everything else HR does is another
app's write (certification, courses, accounts), called from `hr.views`."""

from django.contrib.auth.models import Group
from django.db import transaction

from accounts.models import Department

from .models import MANAGERS, ManagerScope

__all__ = ["appoint_manager", "dismiss_manager"]


@transaction.atomic
def appoint_manager(user, department: Department) -> ManagerScope:
    """Make `user` the manager of `department` (and everything below it), replacing the
    department they managed before: the Managers group and the scope go together."""
    scope, _created = ManagerScope.objects.update_or_create(user=user, defaults={"department": department})
    user.groups.add(Group.objects.get(name=MANAGERS))
    return scope


@transaction.atomic
def dismiss_manager(user) -> None:
    """`user` manages no department any more and leaves the Managers group."""
    ManagerScope.objects.filter(user=user).delete()
    user.groups.remove(Group.objects.get(name=MANAGERS))
