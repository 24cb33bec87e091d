"""The dataconnect command line."""
