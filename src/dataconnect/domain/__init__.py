"""Pure rules and records of DataConnect: no database, no HTTP, no clock reads."""
