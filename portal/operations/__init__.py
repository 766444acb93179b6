"""Running the portal: the health check, and backup and restore of a whole instance."""
