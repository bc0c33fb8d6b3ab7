"""Wire dialects: thin adapters that translate their framework's syntax to the core and back."""
