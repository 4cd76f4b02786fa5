"""Tests of the local environment store."""
