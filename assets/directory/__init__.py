"""The hospital directory's matching: one canonical record per hospital, its aliases, and the curators' review
queue for the site strings a registry gives that cannot be placed with confidence."""
