"""Test helpers shared across the test packages (live servers)."""
