"""Reading scenes: every input hsad accepts (GDAL rasters, MATLAB files, PRISMA products),
checked against what it declares before anything is allocated, and described as a SceneInfo."""
