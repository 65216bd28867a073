"""Workspaces: the spaces boards live in."""
