"""File requests: people without an account upload files into a folder of a tenant."""
