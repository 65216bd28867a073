"""Every mapped table, imported in one place so Alembic and the tests see the whole schema."""

from commonhold.apps.boards.models import (
    Activity,
    Board,
    BoardList,
    BoardMember,
    Card,
    Checklist,
    ChecklistItem,
    Comment,
    DirectMessage,
    Label,
)
from commonhold.apps.homes.models import (
    CalendarFeed,
    HomeDetails,
    Item,
    ItemAttachment,
    Room,
    Task,
    TaskInstance,
)
from commonhold.platform.audit import AuditEntry
from commonhold.platform.billing.models import (
    BillingCustomer,
    StripeEvent,
    Subscription,
    TierLimit,
    UsageCounter,
)
from commonhold.platform.db.base import Base
from commonhold.platform.events.models import EventReceipt, OutboxEvent
from commonhold.platform.files.models import StoredFile
from commonhold.platform.identity.models import RefreshToken, User, UserToken
from commonhold.platform.mail.models import OutgoingEmail
from commonhold.platform.notify.models import (
    Notification,
    NotificationDelivery,
    NotificationPreference,
    NotificationSchedule,
    NotificationTemplate,
    PushSubscription,
    VapidKey,
)
from commonhold.platform.spaces.models import Space, SpaceInvitation, SpaceMember
from commonhold.platform.sync.models import changes, private_scopes, scope_members, sync_horizon

metadata = Base.metadata

__all__ = [
    "Activity",
    "AuditEntry",
    "BillingCustomer",
    "Board",
    "BoardList",
    "BoardMember",
    "CalendarFeed",
    "Card",
    "Checklist",
    "ChecklistItem",
    "Comment",
    "DirectMessage",
    "EventReceipt",
    "HomeDetails",
    "Item",
    "ItemAttachment",
    "Label",
    "Notification",
    "NotificationDelivery",
    "NotificationPreference",
    "NotificationSchedule",
    "NotificationTemplate",
    "OutboxEvent",
    "OutgoingEmail",
    "PushSubscription",
    "RefreshToken",
    "Room",
    "Space",
    "SpaceInvitation",
    "SpaceMember",
    "StoredFile",
    "StripeEvent",
    "Subscription",
    "Task",
    "TaskInstance",
    "TierLimit",
    "UsageCounter",
    "User",
    "UserToken",
    "VapidKey",
    "changes",
    "metadata",
    "private_scopes",
    "scope_members",
    "sync_horizon",
]
