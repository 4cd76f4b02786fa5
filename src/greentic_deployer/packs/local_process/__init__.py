"""packs/local_process layer."""
