"""Readiness for a role: the share of the role's required skills a person holds at the required
level, and the gaps. Pure functions over mastery rows, shared by the trainee's skills page and
HR's role-readiness table, so both say the same.

A skill counts as held when its mastery has enough evidence (mastery.MIN_EVIDENCE) and its level
is at least the required one; a skill without enough evidence is a gap "not enough evidence".
"""

from dataclasses import dataclass, field

from .mastery import MIN_EVIDENCE


@dataclass(frozen=True)
class Gap:
    skill_id: int
    required: int
    level: int | None  # None: not enough evidence


@dataclass
class Readiness:
    role_id: int
    held: int
    required: int
    gaps: list = field(default_factory=list)

    @property
    def percent(self):
        return round(100 * self.held / self.required) if self.required else 100

    @property
    def ready(self):
        return self.required > 0 and self.held == self.required


def readiness(requirements, mastery):
    """`requirements`: [(role_id, skill_id, level)] of one or more roles; `mastery`: {skill_id:
    (level, evidence)} of one person. {role_id: Readiness}, gaps in the order required."""
    roles = {}
    for role_id, skill_id, required in requirements:
        result = roles.setdefault(role_id, Readiness(role_id=role_id, held=0, required=0))
        result.required += 1
        level, evidence = mastery.get(skill_id, (0, 0))
        if evidence >= MIN_EVIDENCE and level >= required:
            result.held += 1
        else:
            result.gaps.append(Gap(skill_id, required, level if evidence >= MIN_EVIDENCE else None))
    return roles
