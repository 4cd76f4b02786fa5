"""Use-cases: one function per CLI verb (validate → store.transact(engine) → audit → result)."""
