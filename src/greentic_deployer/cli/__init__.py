"""Typer CLI: one module per noun; parses arguments, calls ops, prints the envelope."""
