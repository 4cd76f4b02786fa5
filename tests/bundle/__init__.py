"""Bundle staging tests."""
