"""The site's hardening: security headers and limits around the whole app (security.py), and every
error page in Dutch with the synthetic-data banner (errors.py)."""
