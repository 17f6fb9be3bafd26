"""Installing the kiosk on a counter PC: the locked wheels per platform, the offline installer."""
