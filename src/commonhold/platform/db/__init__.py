"""Database access: engine, per-request sessions with row-level security, the declarative base."""
