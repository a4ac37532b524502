"""The facts a deal team collects about an asset."""
