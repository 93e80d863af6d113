"""The HTTP edge: aiohttp routes and middleware. Handlers arrive ready-made from the composition root."""
