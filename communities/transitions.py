"""Workflow tables: a record's life written as data, one row per transition.

Each row names the action, the states it leaves from, the state it reaches, the roles that may
take it, its label and its guards (a guard returns a message, or None when the step may go
ahead). An app's `workflow.py` holds its table and the effects of each action; this module only
answers "may this role take this action on this record now, and if not, why not", the same way
for every app.
"""

from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _

SYSTEM = "system"


@dataclass(frozen=True)
class Transition:
    action: str
    sources: frozenset
    target: str
    roles: frozenset
    label: str
    guards: tuple = field(default=())


def row(action, sources, target, roles, label, *guards):
    return Transition(action, frozenset(sources), target, frozenset(roles), label, guards)


class Table:
    def __init__(self, *rows):
        self.rows = rows
        self.actions = {transition.action: transition for transition in rows}

    def __iter__(self):
        return iter(self.rows)

    def __getitem__(self, action):
        return self.actions[action]

    def available(self, status, roles):
        """What a person holding `roles` could do now (guards are checked when they act)."""
        return [
            t
            for t in self.rows
            if status in t.sources and roles & t.roles and SYSTEM not in t.roles
        ]

    def allows(self, status, roles, action):
        transition = self.actions[action]
        return status in transition.sources and bool(roles & transition.roles)

    def check(self, action, record, roles, data, state_label):
        """The transition `action`, if `roles` may take it on `record` now; otherwise
        PermissionDenied (not theirs to take) or ValidationError (the reason, for the person)."""
        transition = self.actions[action]
        if not roles & transition.roles:
            raise PermissionDenied
        if record.status not in transition.sources:
            raise ValidationError(
                _("This is “%(state)s”; “%(action)s” is not possible now.")
                % {"state": state_label, "action": transition.label}
            )
        for guard in transition.guards:
            if message := guard(record, data):
                raise ValidationError(message)
        return transition
