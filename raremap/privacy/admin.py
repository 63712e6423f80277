"""Nothing here in the admin: exports hold a member's health data, for the member alone."""
