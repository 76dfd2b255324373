"""The threat-actor knowledge base: sources, name merging, the compiled store and its views."""
