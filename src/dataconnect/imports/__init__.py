"""The import engine: read a data file, check every row, merge it into the target atomically.

Knows nothing of groups, schedules or HTTP; ``engine.run_import`` is the one entry point.
"""
