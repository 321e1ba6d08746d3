"""Spark: a decentralized, real-time microblogging server."""

__version__ = "0.1.0"
# Clients such as Mastodon.py gate features on a Mastodon-style version string.
MASTODON_COMPAT_VERSION = "4.5.0"
