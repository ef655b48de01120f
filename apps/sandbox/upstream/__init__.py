"""A faithful in-project simulator of the Proxies.sx Pool Gateway (the sandbox upstream)."""
