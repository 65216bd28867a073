"""Files: storage backends with signed URLs, upload inspection, and image processing.

- ``storage``: ``FileStorage`` on local disk or S3-compatible stores, keys, signed download
  and upload URLs, and the Content-Disposition rule;
- ``inspection``: what an upload really is (from its bytes) and whether its use accepts it;
- ``images``: pixel limits, location stripping and WebP thumbnails, for background jobs.

The submodules are imported one by one: the API process needs no image decoder.
"""
