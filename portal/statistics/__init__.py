"""The bank in numbers: published cases per tag, year and county, and where strategies lack
evidence."""
