import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Another process holds the lock: the file it guards is being written elsewhere.
public struct FileLockHeld: Error, Sendable, Equatable, CustomStringConvertible {
    /// The lock file.
    public var lockPath: String
    /// Where the holder runs, as it wrote it: "host NAME, pid N"; nil when unknown.
    public var holder: String?

    public init(lockPath: String, holder: String?) {
        self.lockPath = lockPath
        self.holder = holder
    }

    public var description: String {
        "\(lockPath): locked by another process" + (holder.map { " (\($0))" } ?? "")
    }
}

/// An exclusive advisory lock (`flock`) on a small side file, held for as long as this object
/// lives (or until `release`). The kernel drops it when the process ends in any way, `kill -9`
/// included, so a stale lock never needs cleaning up. The lock file holds "host NAME, pid N" of
/// its holder, so a refused process can say where the other one runs. The file itself is left
/// in place: removing it would let two processes lock two different files of one name.
public final class FileLock {
    public let path: String
    private var fd: Int32

    private init(path: String, fd: Int32) {
        self.path = path
        self.fd = fd
    }

    deinit { release() }

    /// The lock file guarding `file`: `FILE.lock` next to it.
    public static func lockPath(for file: URL) -> String { file.path + ".lock" }

    /// Take the lock guarding `file` without waiting. Creates the folder and the lock file when
    /// needed (never `file` itself). Throws `FileLockHeld` when another process holds it, or
    /// `LogWriteError` when the lock file cannot be made.
    public static func acquire(for file: URL) throws -> FileLock {
        let path = lockPath(for: file)
        let dir = file.deletingLastPathComponent()
        do {
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        } catch {
            throw LogWriteError(path: dir.path, message: "cannot create the folder: \(error.localizedDescription)")
        }
        // O_CLOEXEC: a child process (the local model server) must not inherit, and so keep, the lock.
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw LogWriteError(path: path, message: "cannot open the lock file: \(String(cString: strerror(errno)))")
        }
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            if errno == EINTR { continue }
            let failure = errno
            let holder = failure == EWOULDBLOCK ? readHolder(fd) : nil
            closeFD(fd)
            if failure == EWOULDBLOCK { throw FileLockHeld(lockPath: path, holder: holder) }
            throw LogWriteError(path: path, message: "cannot lock: \(String(cString: strerror(failure)))")
        }
        let lock = FileLock(path: path, fd: fd)
        lock.writeHolder()
        return lock
    }

    /// Give the lock up (also done when the object goes away).
    public func release() {
        guard fd >= 0 else { return }
        closeFD(fd)
        fd = -1
    }

    /// "host NAME, pid N" of this process.
    public static var thisProcess: String {
        var name = [UInt8](repeating: 0, count: 256)
        let host = name.withUnsafeMutableBufferPointer { buf in
            buf.baseAddress.map { $0.withMemoryRebound(to: CChar.self, capacity: buf.count) { gethostname($0, buf.count - 1) } } ?? -1
        } == 0 ? String(decoding: name.prefix { $0 != 0 }, as: UTF8.self) : "unknown"
        return "host \(host), pid \(getpid())"
    }

    private func writeHolder() {
        let text = Array((Self.thisProcess + "\n").utf8)
        guard ftruncate(fd, 0) == 0 else { return }
        _ = text.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
    }

    private static func readHolder(_ fd: Int32) -> String? {
        var buf = [UInt8](repeating: 0, count: 300)
        let n = buf.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
        guard n > 0 else { return nil }
        let text = String(decoding: buf[0..<n], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        // Only what this app writes is repeated: nothing else from the file reaches a screen.
        guard text.hasPrefix("host "), text.count <= 300,
              text.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value != 0x7F }) else { return nil }
        return text
    }
}

private func closeFD(_ fd: Int32) {
    #if canImport(Glibc)
    _ = Glibc.close(fd)
    #else
    _ = Darwin.close(fd)
    #endif
}
