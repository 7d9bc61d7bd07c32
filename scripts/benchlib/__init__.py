"""The parts of ``scripts/bench_gui.py``: ``common`` (targets, homes, child processes), ``launch`` with its
child program ``launch_child``, ``stalls`` (heartbeat, watchdog, GC timing), ``record``, ``history`` and
``report``. Importable once ``scripts/`` is on ``sys.path`` (``bench_gui.py`` puts it there)."""
