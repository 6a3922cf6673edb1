"""What a tenant stores, as the ledger of the bucket's changes holds it."""
