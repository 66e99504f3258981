"""Detection methods, one folder per method family (the target detectors so far; the anomaly
detectors under ``engine/detectors`` and ``engine/pretrained`` are to move here)."""
