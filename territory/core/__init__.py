"""The bottom layer: errors, credentials and where the shipped project files live."""
