"""The only code that speaks HTTP to the Proxies.sx Pool Gateway."""
