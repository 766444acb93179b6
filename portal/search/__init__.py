"""Full-text search: a backend interface with Whoosh as the embedded engine."""
