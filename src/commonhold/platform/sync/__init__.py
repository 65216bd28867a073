"""Real-time delivery to connected clients."""
