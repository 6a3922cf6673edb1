"""Folder archives: a ZIP of a folder, made by the job function (docs/api.md)."""
