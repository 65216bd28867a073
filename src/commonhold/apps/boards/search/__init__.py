"""Full-text search over the cards and comments of a workspace that the caller may see."""
