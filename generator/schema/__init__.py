"""The manifest schema: typed pydantic models, assembled from the base sections and the components."""
