"""Test support shipped with the package: the pytest plugin and in-memory doubles.

Owns fakes that other projects' tests may use (clusters, stores). May import every layer
below the CLI (`ops`, `packs`, `bundle`, `store`, `engine`, `spec`) and `lightkube`/`httpx`.
"""
