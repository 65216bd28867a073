"""Inventory: homes, rooms, items and their attachments; search; CSV import and export."""
