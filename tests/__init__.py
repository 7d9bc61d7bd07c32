"""The test suite. A package, so its modules import their helpers as ``tests.support.<module>``."""
