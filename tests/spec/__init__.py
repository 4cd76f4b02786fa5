"""Tests of the spec layer (a package so module names never clash with other test dirs)."""
