"""ActivityPub federation: signatures, inbox edge, activity handlers, conversions, delivery."""
