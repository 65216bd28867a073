"""Plans and their limits: which tier a user or space is on, and what that tier allows."""
