"""What a person can get wrong about notifications."""

from __future__ import annotations

from commonhold.platform.errors import AppError, Conflict, NotFound


class NotificationNotFound(NotFound):
    code = "notification_not_found"
    title = "No such notification"


class NotificationTypeUnknown(NotFound):
    code = "notification_type_unknown"
    title = "No such notification type"


class DigestNeedsEmail(AppError):
    code = "digest_needs_email"
    title = "Only email can gather notifications into a digest"


class QuietHoursIncomplete(AppError):
    code = "quiet_hours_incomplete"
    title = "Quiet hours need both a start and an end"


class PushEndpointInsecure(AppError):
    code = "push_endpoint_insecure"
    title = "A push endpoint must be an https URL"


class PushSubscriptionTaken(Conflict):
    code = "push_subscription_taken"
    title = "This browser's push subscription belongs to another account; unsubscribe it there"


class PushSubscriptionNotFound(NotFound):
    code = "push_subscription_not_found"
    title = "No such push subscription"


class WordingInvalid(AppError):
    code = "wording_invalid"
    title = "The wording does not render with the type's example data"
