"""Lists and cards, their order, assignees, labels and checklists."""
