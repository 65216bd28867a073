"""Boards, their members and labels, the board view and its activity."""
