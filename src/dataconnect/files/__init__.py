"""The account file server: ``upload/``, ``download/`` and ``archive/`` folders on local disk.

Nothing here knows about services, transports or the databases; callers pass an account id.
"""

from dataconnect.files.server import FOLDERS, FileInfo, FileServer, StoredFile

__all__ = ["FOLDERS", "FileInfo", "FileServer", "StoredFile"]
