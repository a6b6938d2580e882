import Foundation

/// Peak resident memory (VmHWM) of a process, read from /proc (Linux).
enum PeakMemory {
    /// VmHWM in kB of a process (nil = this one), or nil when it cannot be read.
    static func kilobytes(pid: pid_t? = nil) -> Int? {
        let path = pid.map { "/proc/\($0)/status" } ?? "/proc/self/status"
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            return Int(line.dropFirst(6).trimmingCharacters(in: .whitespaces).split(separator: " ").first ?? "")
        }
        return nil
    }

    /// This process's VmHWM in MB (0 when unavailable).
    static func megabytes() -> Double { Double(kilobytes() ?? 0) / 1024 }

    /// Reset this process's peak mark (write 5 to /proc/self/clear_refs).
    static func reset() {
        if let h = FileHandle(forWritingAtPath: "/proc/self/clear_refs") {
            h.write(Data("5".utf8))
            try? h.close()
        }
    }
}
