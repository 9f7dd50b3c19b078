"""Territory: the applications above the loaders (the sales-ops console, ...)."""
