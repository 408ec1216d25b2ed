"""Applications in the admin: screening, decisions (owned by the applications work)."""
