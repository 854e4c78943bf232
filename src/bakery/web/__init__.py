"""HTML pages for people at the counter, in the bakehouse and in the office."""
