"""The core service: everything on the domain that is not `/files/*` (API.md, "Core service")."""
