"""One Processing algorithm per module, on the small base class in ``base``."""
