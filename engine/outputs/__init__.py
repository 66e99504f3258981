"""Writing outputs: score rasters, masks, objects, styles and text files, each staged under a
temporary name, checked complete and renamed into place."""
