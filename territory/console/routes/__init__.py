"""The console's routes, one module per page with its JSON twin under /api/."""
