"""Maintenance: recurring tasks, their dated occurrences, the agenda and calendar feeds."""
