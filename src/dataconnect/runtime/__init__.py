"""Loops and executors that move runs forward; they act only through the services."""
