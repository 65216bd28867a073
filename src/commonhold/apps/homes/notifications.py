"""The notifications of the homes app: reminders of due tasks, and assignments."""

from __future__ import annotations

from commonhold.platform.notify.types import Wording, notification_type

_EXAMPLE = {
    "task": "Replace the furnace filter",
    "home": "Maple Street",
    "room": "Basement",
    "due_date": "2026-12-01",
    "days_before": 1,
    "task_id": "3f0c1f8e-8a43-4c1b-9d55-0d6a6f0f6b2a",
    "home_id": "b2a9e1c4-5d3f-4e7a-8f6b-1c2d3e4f5a6b",
}
_WHERE = "{{ home }}{% if room %} · {{ room }}{% endif %}"

TASK_DUE_SOON = notification_type(
    "homes.task_due_soon",
    "A maintenance task is due in a few days (the task's notify_days_before)",
    Wording(
        subject="{{ task }} is due {% if days_before == 1 %}tomorrow{% else %}in "
        "{{ days_before }} days{% endif %}",
        summary=f"Due {{{{ due_date }}}} · {_WHERE}",
        text_body=(
            "{{ task }} is due on {{ due_date }}.\n\n"
            f"Where: {_WHERE}\n\nMark it done in Commonhold when it is."
        ),
        html_body=(
            "<p><strong>{{ task }}</strong> is due on {{ due_date }}.</p>"
            f"<p>Where: {_WHERE}</p><p>Mark it done in Commonhold when it is.</p>"
        ),
    ),
    example=_EXAMPLE,
)

TASK_DUE_TODAY = notification_type(
    "homes.task_due_today",
    "A maintenance task is due today",
    Wording(
        subject="{{ task }} is due today",
        summary=_WHERE,
        text_body=f"{{{{ task }}}} is due today.\n\nWhere: {_WHERE}\n",
        html_body=f"<p><strong>{{{{ task }}}}</strong> is due today.</p><p>Where: {_WHERE}</p>",
    ),
    example=_EXAMPLE,
)

TASK_ASSIGNED = notification_type(
    "homes.task_assigned",
    "Someone assigned a maintenance task to you",
    Wording(
        subject="{{ assigner }} assigned you {{ task }}",
        summary=f"Next due {{{{ due_date or 'not scheduled' }}}} · {_WHERE}",
        text_body=(
            "{{ assigner }} assigned you {{ task }} in {{ home }}.\n\n"
            "Next due: {{ due_date or 'not scheduled' }}\n"
        ),
        html_body=(
            "<p>{{ assigner }} assigned you <strong>{{ task }}</strong> in {{ home }}.</p>"
            "<p>Next due: {{ due_date or 'not scheduled' }}</p>"
        ),
    ),
    example={**_EXAMPLE, "assigner": "Grace"},
    default_channels=frozenset({"in_app", "push"}),
)
