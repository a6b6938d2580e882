import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Loopback ports and processes, for the end-to-end tests and benchmarks that start servers.
package enum Loopback {
    package struct NoFreePort: Error, CustomStringConvertible {
        package var description: String { "no free port on 127.0.0.1 (errno \(code))" }
        let code: Int32
    }

    /// A TCP port on 127.0.0.1 nobody listened on a moment ago.
    package static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound else { throw NoFreePort(code: errno) }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// Whether the process `pid` has gone within `timeout` seconds.
    package static func waitGone(_ pid: pid_t, timeout: TimeInterval = 15) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while kill(pid, 0) == 0 && Date() < deadline { usleep(50_000) }
        return kill(pid, 0) != 0
    }
}
