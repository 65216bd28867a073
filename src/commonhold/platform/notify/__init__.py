"""Notifications: in-app, email and Web Push, with preferences, quiet hours and a delivery log."""
