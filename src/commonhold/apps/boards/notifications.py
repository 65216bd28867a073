"""The notifications of the boards app: mentions, assignments and cards due soon."""

from __future__ import annotations

from commonhold.apps.boards import examples
from commonhold.platform import examples as platform_examples
from commonhold.platform.notify.types import Wording, notification_type

_CARD = {
    "card": "Write the press release",
    "board": examples.BOARD_NAME,
    "card_id": examples.CARD_ID,
    "board_id": examples.BOARD_ID,
}

MENTIONED = notification_type(
    "boards.mentioned",
    "Someone mentioned you in a comment or a card's description",
    Wording(
        subject="{{ author }} mentioned you on {{ card }}",
        summary="{{ excerpt }}",
        text_body=(
            "{{ author }} mentioned you {% if comment_id %}in a comment on{% else %}in the "
            "description of{% endif %} {{ card }} ({{ board }}):\n\n{{ excerpt }}\n"
        ),
        html_body=(
            "<p>{{ author }} mentioned you {% if comment_id %}in a comment on{% else %}in the "
            "description of{% endif %} <strong>{{ card }}</strong> ({{ board }}):</p>"
            "<blockquote>{{ excerpt }}</blockquote>"
        ),
    ),
    example={
        **_CARD,
        "author": platform_examples.ADA_NAME,
        "excerpt": "@Grace Hopper can you check the quote?",
        "comment_id": examples.COMMENT_ID,
    },
)

CARD_ASSIGNED = notification_type(
    "boards.card_assigned",
    "Someone assigned a card to you",
    Wording(
        subject="{{ assigner }} assigned you {{ card }}",
        summary="{{ board }}{% if due %} · due {{ due }}{% endif %}",
        text_body=(
            "{{ assigner }} assigned you {{ card }} on {{ board }}.\n"
            "{% if due %}\nDue: {{ due }}\n{% endif %}"
        ),
        html_body=(
            "<p>{{ assigner }} assigned you <strong>{{ card }}</strong> on {{ board }}.</p>"
            "{% if due %}<p>Due: {{ due }}</p>{% endif %}"
        ),
    ),
    example={**_CARD, "assigner": platform_examples.ADA_NAME, "due": "2025-10-01 17:00 UTC"},
    default_channels=frozenset({"in_app", "push"}),
)

CARD_DUE_SOON = notification_type(
    "boards.card_due_soon",
    "A card assigned to you is due within a day",
    Wording(
        subject="{{ card }} is due {{ due }}",
        summary="{{ board }}",
        text_body="{{ card }} on {{ board }} is due {{ due }}.\n",
        html_body="<p><strong>{{ card }}</strong> on {{ board }} is due {{ due }}.</p>",
    ),
    example={**_CARD, "due": "2025-10-01 17:00 UTC", "due_at": examples.DUE_AT},
)

MESSAGE_RECEIVED = notification_type(
    "boards.message_received",
    "A member of a workspace sent you a direct message",
    Wording(
        subject="{{ sender }} sent you a message",
        summary="{{ excerpt }}",
        text_body="{{ sender }} wrote to you in {{ workspace }}:\n\n{{ excerpt }}\n",
        html_body=(
            "<p>{{ sender }} wrote to you in {{ workspace }}:</p>"
            "<blockquote>{{ excerpt }}</blockquote>"
        ),
    ),
    example={
        "sender": platform_examples.ADA_NAME,
        "workspace": examples.WORKSPACE_NAME,
        "excerpt": "Could you read the press release before noon?",
        "message_id": "5a1e9d37-c4b2-4f68-8e0d-3b7a6c2f9d14",
        "sender_id": platform_examples.ADA_ID,
        "workspace_id": examples.WORKSPACE_ID,
    },
    default_channels=frozenset({"in_app", "push"}),
)
