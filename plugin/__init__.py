"""Everything that imports qgis: the plugin class, the Processing provider and its algorithms."""
