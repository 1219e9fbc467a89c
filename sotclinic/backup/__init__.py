"""Encrypted, versioned backups of the whole database (and uploaded files), and their checked restore."""
