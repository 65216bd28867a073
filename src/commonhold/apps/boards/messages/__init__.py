"""Direct messages between the members of a workspace, with read state."""
