"""OpsPrep Voice: rehearse a Senior Operations Engineer interview out loud, offline."""

__version__ = "0.1.0"
