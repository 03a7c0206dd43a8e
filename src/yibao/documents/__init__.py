"""Case documents (.docx from templates) and the case ledger (.xlsx)."""
