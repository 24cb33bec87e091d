"""Use cases: the only door through which the API, the web pages and the CLI change anything."""
