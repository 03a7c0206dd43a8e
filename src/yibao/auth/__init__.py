"""Users, roles and permissions per action, Argon2id passwords, login sessions, masking of personal data."""
