"""Tests of the Kubernetes env-pack renderer."""
