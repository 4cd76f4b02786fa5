"""The local-process env-pack: no provider side; the local runtime reads the store directly."""
