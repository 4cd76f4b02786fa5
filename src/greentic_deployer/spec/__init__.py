"""Spec object model: documents, ids, validation, runtime-config materialization."""
