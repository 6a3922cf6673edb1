"""Versions and trash: what the versioned bucket keeps of a tenant's files."""
