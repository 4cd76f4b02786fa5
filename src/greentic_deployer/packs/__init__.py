"""packs layer."""
