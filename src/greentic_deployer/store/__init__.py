"""Environment store: documents on disk, locking, transactions, atomic writes, audit, snapshots.

Owns where and how environments persist (`EnvironmentStore` is what ops see; `LocalFileStore` is
the local backend). May import `engine` and `spec`; never `packs`, `bundle`, `ops` or `cli`.
"""
