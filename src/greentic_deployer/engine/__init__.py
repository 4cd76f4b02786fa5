"""Pure transforms on the spec model: lifecycle, revisions, traffic, bundles, bindings."""
