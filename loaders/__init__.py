"""The loaders, the data's first step: the source registry (`sources`), the inbox layout
(`inbox`), sanitize and quarantine (`sanitize`), the Parquet lake (`lake`), the raw-table load
per dialect (`warehouse`) and the land/load steps over them (`pipeline`). Nothing here imports
anything above it (checked by the import contracts in pyproject.toml)."""
