"""Shared fixtures: each family lives in its own module under tests/fixtures."""

pytest_plugins = [
    "tests.fixtures.clock",
    "tests.fixtures.database",
    "tests.fixtures.mail",
]
