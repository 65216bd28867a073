"""Comments on cards."""
