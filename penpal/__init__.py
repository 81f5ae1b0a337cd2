"""penpal: turns a correspondence between two writers, carried on by email, into an article."""

__version__ = "0.1.0"
