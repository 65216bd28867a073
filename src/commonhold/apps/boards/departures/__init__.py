"""Whoever leaves a workspace, or is removed from it, leaves its boards and its cards too."""
