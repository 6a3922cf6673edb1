"""Share links: files out, to someone without an account (docs/api.md, "Share links")."""
