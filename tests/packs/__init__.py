"""Tests of the deployer contract, the env-pack registry, the bench and the local-process pack."""
