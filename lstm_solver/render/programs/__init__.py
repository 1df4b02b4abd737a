"""Programs: the problem as code another library runs (``--format pytorch``), so that
anyone can check a key with that library. One module per target."""
