import Foundation
import OversightCore
#if canImport(Glibc)
import Glibc
#endif

/// SHA-256 over a contiguous buffer, for checking every log line's hash chain quickly.
///
/// Uses the system's libcrypto when it can be loaded at run time (it uses the CPU's SHA
/// instructions, several times faster), else the core `SHA256`. Both are checked against each
/// other in the tests. Set `OVERSIGHT_BUILTIN_SHA256=1` to force the core one.
enum FastSHA256 {
    typealias Init = @convention(c) (UnsafeMutableRawPointer?) -> Int32
    typealias Update = @convention(c) (UnsafeMutableRawPointer?, UnsafeRawPointer?, Int) -> Int32
    typealias Final = @convention(c) (UnsafeMutablePointer<UInt8>?, UnsafeMutableRawPointer?) -> Int32

    /// libcrypto's `SHA256_Init`, `SHA256_Update`, `SHA256_Final`, when available (the
    /// one-shot `SHA256` looks the algorithm up on every call, too slow for short lines).
    struct System {
        var initialize: Init
        var update: Update
        var final: Final
    }

    static let system: System? = {
        #if canImport(Glibc)
        if ProcessInfo.processInfo.environment["OVERSIGHT_BUILTIN_SHA256"] == "1" { return nil }
        for name in ["libcrypto.so.3", "libcrypto.so"] {
            guard let handle = dlopen(name, RTLD_NOW | RTLD_LOCAL) else { continue }
            guard let i = dlsym(handle, "SHA256_Init"), let u = dlsym(handle, "SHA256_Update"),
                  let f = dlsym(handle, "SHA256_Final") else { continue }
            return System(initialize: unsafeBitCast(i, to: Init.self), update: unsafeBitCast(u, to: Update.self),
                          final: unsafeBitCast(f, to: Final.self))
        }
        #endif
        return nil
    }()

    /// Which implementation `hexDigest` uses (for the benchmark's report).
    static var implementation: String { system != nil ? "libcrypto" : "built-in" }

    /// Scratch memory for one thread: room for libcrypto's context and the digest.
    struct Scratch {
        let w: UnsafeMutablePointer<UInt32>
        let tail: UnsafeMutablePointer<UInt8>
        init() {
            w = .allocate(capacity: 64)
            tail = .allocate(capacity: 128)
        }
        func free() {
            w.deallocate()
            tail.deallocate()
        }
    }

    /// The digest of `count` bytes at `data`, as 64 lower-case hex digits written to `hexOut`.
    static func hexDigest(_ data: UnsafePointer<UInt8>, count: Int, hexOut: UnsafeMutablePointer<UInt8>,
                          scratch: Scratch, builtIn: Bool = false) {
        if !builtIn, let system {
            // The context lives in the schedule scratch (256 bytes; SHA256_CTX needs 112), the
            // digest goes to the tail scratch, then to hex.
            let ctx = UnsafeMutableRawPointer(scratch.w)
            _ = system.initialize(ctx)
            _ = system.update(ctx, data, count)
            _ = system.final(scratch.tail, ctx)
            let digits: StaticString = "0123456789abcdef"
            let dp = digits.utf8Start
            for i in 0..<32 {
                let b = scratch.tail[i]
                hexOut[2 &* i] = dp[Int(b >> 4)]
                hexOut[2 &* i &+ 1] = dp[Int(b & 0xF)]
            }
            return
        }
        // Fallback: the core implementation.
        var hasher = SHA256()
        hasher.update(UnsafeRawBufferPointer(start: data, count: count))
        let digest = hasher.finalize()
        let digits: StaticString = "0123456789abcdef"
        let dp = digits.utf8Start
        for (i, b) in digest.enumerated() {
            hexOut[2 &* i] = dp[Int(b >> 4)]
            hexOut[2 &* i &+ 1] = dp[Int(b & 0xF)]
        }
    }

    /// Lower-case hex digest of some bytes (convenience for tests and small inputs).
    static func hex(_ bytes: [UInt8], builtIn: Bool = false) -> String {
        var out = [UInt8](repeating: 0, count: 64)
        let scratch = Scratch()
        defer { scratch.free() }
        bytes.withUnsafeBufferPointer { b in
            out.withUnsafeMutableBufferPointer { o in
                guard let op = o.baseAddress else { return }
                if let bp = b.baseAddress {
                    hexDigest(bp, count: b.count, hexOut: op, scratch: scratch, builtIn: builtIn)
                } else {
                    var empty: UInt8 = 0
                    hexDigest(&empty, count: 0, hexOut: op, scratch: scratch, builtIn: builtIn)
                }
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// Facts about how logs are read, for the benchmark's report.
public enum ScanInfo {
    /// `libcrypto` or `built-in`: which SHA-256 checks the hash chain.
    public static var sha256Implementation: String { FastSHA256.implementation }
}
