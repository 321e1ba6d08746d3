"""HTTP edge: parse, call one service, present."""
