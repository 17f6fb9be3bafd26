"""The province: the shared PostgreSQL registry (it owns every SQL statement sent there) and
the counter's two-way sync with it."""
