"""packs/k8s layer."""
