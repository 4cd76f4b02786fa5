"""Bundle layer: `.gtbundle` (SquashFS) reading, hardened extraction, digests, pack-list lock.

Entry point: `greentic_deployer.bundle.stage.stage_bundle`.
"""
