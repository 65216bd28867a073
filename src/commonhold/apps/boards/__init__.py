"""Boards: collaborative task boards. A workspace is a space of kind ``workspace``."""
