"""Credit: practitioners' payment-qualification points (记分) and institution grades (A–E)."""
