"""The built-in SFTP server: a transport like the API and the web UI, over asyncssh.

``paths`` maps an SFTP path onto the account's root (three folders, their files);
``session`` answers one session's SFTP requests through ``services.sftp_access``; ``server``
authenticates (public keys only, within the login limits), refuses every channel but the
sftp subsystem, closes the sessions of removed keys, and runs in a thread of its own.
"""
