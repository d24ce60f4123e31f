"""VyOS knowledge as data: versions, syntax dialects, CLI behaviour."""
