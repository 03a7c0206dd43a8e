"""Reports over the store: screening summaries and, later, statutory ledgers."""
