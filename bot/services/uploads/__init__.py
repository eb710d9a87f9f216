"""Untrusted files: the limits every upload is read under, and the checks made before reading it."""
from .limits import FileLimits, FileRejected, check_archive

__all__ = ["FileLimits", "FileRejected", "check_archive"]
