"""Adapters: the only code that touches databases, caches and the network."""
