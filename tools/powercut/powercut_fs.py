#!/usr/bin/env python3
"""A FUSE file system that loses, at a power cut, whatever was not fsynced.

    python3 powercut_fs.py BACKING MOUNTPOINT

Every file under MOUNTPOINT is BACKING's file plus a volatile layer held in
this process's memory: writes and truncations change only the volatile
layer; fsync and fdatasync (FUSE_FSYNC) copy a file's volatile content to
BACKING and fsync it there. sync_file_range, which sled uses for its own
flush, reaches no FUSE operation: data it "syncs" stays volatile. Killing
this process (or unmounting) is the power cut: BACKING then holds exactly
what a machine that lost power would find on its disk, given a drive that
honours flushes.

Simplifications, all in the lenient direction (they can only hide losses,
not invent them): creating, renaming and deleting files and directories is
durable at once (a real file system also wants the directory fsynced), and
data is durable per file, not per page. Standard library plus fusepy.
"""
import errno, os, sys, threading
from fuse import FUSE, FuseOSError, Operations


class PowerCut(Operations):
    def __init__(self, backing):
        self.backing = backing
        self.volatile = {}  # path -> bytearray (the file's current content)
        self.mutex = threading.Lock()
        self.fsyncs = 0

    def _b(self, path):
        return os.path.join(self.backing, path.lstrip("/"))

    def _content(self, path):
        if path not in self.volatile:
            with open(self._b(path), "rb") as f:
                self.volatile[path] = bytearray(f.read())
        return self.volatile[path]

    # metadata
    def getattr(self, path, fh=None):
        st = os.lstat(self._b(path))
        attrs = {k: getattr(st, k) for k in ("st_atime", "st_ctime", "st_gid", "st_mode", "st_mtime", "st_nlink", "st_uid")}
        with self.mutex:
            attrs["st_size"] = len(self.volatile[path]) if path in self.volatile else st.st_size
        return attrs

    def readdir(self, path, fh):
        return [".", ".."] + os.listdir(self._b(path))

    def access(self, path, mode):
        if not os.access(self._b(path), mode):
            raise FuseOSError(errno.EACCES)

    def chmod(self, path, mode):
        os.chmod(self._b(path), mode)

    def chown(self, path, uid, gid):
        os.chown(self._b(path), uid, gid)

    def mkdir(self, path, mode):
        os.mkdir(self._b(path), mode)

    def rmdir(self, path):
        os.rmdir(self._b(path))

    def unlink(self, path):
        with self.mutex:
            self.volatile.pop(path, None)
        os.unlink(self._b(path))

    def rename(self, old, new):
        with self.mutex:
            # The renamed file's durable content moves with it; its volatile layer too.
            if old in self.volatile:
                self.volatile[new] = self.volatile.pop(old)
            else:
                self.volatile.pop(new, None)
        os.rename(self._b(old), self._b(new))

    def utimens(self, path, times=None):
        os.utime(self._b(path), times)

    def statfs(self, path):
        st = os.statvfs(self._b(path))
        return {k: getattr(st, k) for k in ("f_bavail", "f_bfree", "f_blocks", "f_bsize", "f_favail", "f_ffree", "f_files", "f_flag", "f_frsize", "f_namemax")}

    # files
    def create(self, path, mode, fi=None):
        fd = os.open(self._b(path), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
        os.close(fd)
        with self.mutex:
            self.volatile[path] = bytearray()
        return 0

    def open(self, path, flags):
        if flags & os.O_TRUNC:
            with self.mutex:
                self.volatile[path] = bytearray()
        return 0

    def read(self, path, size, offset, fh):
        with self.mutex:
            return bytes(self._content(path)[offset:offset + size])

    def write(self, path, data, offset, fh):
        with self.mutex:
            c = self._content(path)
            if offset > len(c):
                c.extend(b"\0" * (offset - len(c)))
            c[offset:offset + len(data)] = data
            return len(data)

    def truncate(self, path, length, fh=None):
        with self.mutex:
            c = self._content(path)
            if length < len(c):
                del c[length:]
            else:
                c.extend(b"\0" * (length - len(c)))

    def fsync(self, path, datasync, fh):
        with self.mutex:
            if path in self.volatile:
                data = bytes(self.volatile[path])
                with open(self._b(path), "r+b") as f:
                    f.write(data)
                    f.truncate(len(data))
                    f.flush()
                    os.fsync(f.fileno())
            self.fsyncs += 1
        return 0

    def fsyncdir(self, path, datasync, fh):
        return 0

    def flush(self, path, fh):
        return 0  # close() makes nothing durable

    def release(self, path, fh):
        return 0


if __name__ == "__main__":
    backing, mountpoint = sys.argv[1], sys.argv[2]
    FUSE(PowerCut(backing), mountpoint, foreground=True, nothreads=False, allow_other=False)
