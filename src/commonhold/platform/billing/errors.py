"""What billing answers when it cannot do what was asked."""

from __future__ import annotations

from commonhold.platform.errors import AppError, Conflict, NotFound


class BillingNotConfigured(NotFound):
    """This server sells no plans (or not this one): like an endpoint it does not have. Not a
    5xx: nothing failed, and asking again will not change the answer."""

    code = "billing_not_configured"
    title = "Billing is not configured on this server"


class BillingUnavailable(AppError):
    status = 503
    code = "billing_unavailable"
    title = "The payment provider could not be reached"
    # A Stripe customer created before the failure is kept, so a retry reuses it.
    keep_changes = True


class BillingCustomerNotFound(NotFound):
    code = "billing_customer_not_found"
    title = "No billing account yet: subscribe to a plan first"


class SubscriptionExists(Conflict):
    code = "subscription_exists"
    title = "A paid subscription is already in place: change it in the billing portal"


class WebhookSignatureInvalid(AppError):
    status = 400
    code = "webhook_signature_invalid"
    title = "The webhook's signature is missing, wrong or too old"


class WebhookPayloadInvalid(AppError):
    status = 400
    code = "webhook_payload_invalid"
    title = "The webhook's body is not a Stripe event"


class WebhookEventReplayed(Conflict):
    code = "webhook_event_replayed"
    title = "This delivery was already received"


class StripePriceUnknown(AppError):
    status = 400
    code = "stripe_price_unknown"
    title = "The subscription's price is not one of this server's plans"
