"""Reading and writing the project's files: feature stores, feature tables, label tables."""
