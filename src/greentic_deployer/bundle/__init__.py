"""bundle layer."""
