"""Example values of the API documentation, shared so that its examples tell one story: Ada
owns the home "Maple Street house" and invites Grace. An id is the same wherever it appears."""

from __future__ import annotations

ADA_ID = "3f6c2a1e-8b4d-4e7a-9c15-2d8e7f0a1b76"
ADA_EMAIL = "ada@example.com"
ADA_NAME = "Ada Lovelace"
PASSWORD = "correct horse battery staple"
GRACE_ID = "a8d4e6f2-5c13-4b9e-8f70-6e1d2c3b4a87"
GRACE_EMAIL = "grace@example.com"
GRACE_NAME = "Grace Hopper"
TIMEZONE = "Europe/London"

# A home is a space: its id is the space's.
SPACE_ID = "0b9e3c8e-6f51-4b0e-9a57-1c2f6a3d9e10"
SPACE_NAME = "Maple Street house"
INVITATION_ID = "6c3b9e1f-2a47-4d8c-b5e0-7f1a9d2c4e98"
PUSH_SUBSCRIPTION_ID = "d2f7a9c4-6e18-4b3d-8a5f-0c9e1b7d3a21"
NOTIFICATION_ID = "4e8a1c6d-3b92-4f57-a0d4-8c2e6b1f9a30"
# Items and cards carry attachments: one id names the attachment of either.
ATTACHMENT_ID = "e7b2c4a9-1d35-4e8f-a0b6-3c9d5e2f8a43"

SIGNED_UP_AT = "2025-09-14T09:30:00Z"
INVITED_AT = "2025-09-15T18:00:00Z"
INVITATION_EXPIRES_AT = "2025-09-22T18:00:00Z"
JOINED_AT = "2025-09-16T07:45:00Z"

# Opaque tokens are 32 random bytes, base64url: what `secrets.token_urlsafe(32)` gives.
REFRESH_TOKEN = "aY_SmqBvz6F120sCK1FtZPvKd1SuNG5N0_jSvF9809s"
EMAIL_TOKEN = "Mk7nbIfi_jHcuzU1iAdiyR2bKCtUtiDZHljZ8kjrpjs"
INVITATION_TOKEN = "WYacMHot1LBftHh9Ye2OEvv4qMJAJbBJ38Eue6QlSWo"
ACCESS_TOKEN = (
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIzZjZjMmExZS04YjRkLTRlN2EtOWMxNS0yZDhlN2Y"
    "wYTFiNzYiLCJhdWQiOiJjb21tb25ob2xkOmFjY2VzcyIsImlhdCI6MTc1Nzg0MjIwMCwiZXhwIjoxNzU3ODQzMTA"
    "wLCJqdGkiOiI5ZjJjNGUxYTdiM2Q1ZTYwIn0.2ITrzA2Obm0M-RamlGcum9mpTtqkwTGYRTkKISxH4pQ"
)
TOTP_SECRET = "UHSORU24OXERVKFGIDB4I4OBIZSW36H4"
TOTP_CODE = "492039"
PUSH_ENDPOINT = "https://fcm.googleapis.com/fcm/send/dpH5lCsTSSM:APA91bHqjZxM0VImWWqDRN"

# Billing: Ada's checkout and the event Stripe sends once she has paid.
CHECKOUT_ID = "cs_test_a1Yk2nB7cXq9LmP4rT6vW8zD3fH5jK0sN2uE"
CHECKOUT_URL = f"https://checkout.stripe.com/c/pay/{CHECKOUT_ID}"
PORTAL_ID = "bps_1QxR7cLkd93mFjS2aB8nW4pE"
PORTAL_URL = "https://billing.stripe.com/p/session/test_YWNjdF8xUXhSN2NMa2Q5M21GalMy"
STRIPE_EVENT_ID = "evt_1QxR9eLkd93mFjS2c5Vh7KtM"
STRIPE_SUBSCRIPTION_ID = "sub_1QxR9dLkd93mFjS2pQ4yZx1R"
STRIPE_CUSTOMER_ID = "cus_RqJ3xYz8AbCdEf"
STRIPE_PRICE_ID = "price_1QxR5aLkd93mFjS2basic01"
PERIOD_END = "2025-10-16T07:45:00Z"
