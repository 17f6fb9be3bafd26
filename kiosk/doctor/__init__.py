"""``kiosk doctor``: whether this PC can run a counter, one check at a time."""
