"""The export engine: a table read in one snapshot, written as a file, published atomically."""
