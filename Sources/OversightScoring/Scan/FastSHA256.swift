import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// SHA-256 over a contiguous buffer, for checking every log line's hash chain quickly.
///
/// Uses the system's libcrypto one-shot `SHA256` when it can be loaded at run time (it uses
/// the CPU's SHA instructions, several times faster), else the built-in implementation below
/// (no per-byte copies, no allocations in the compression loop). Both are checked against the
/// core `SHA256` in the tests. Set `OVERSIGHT_BUILTIN_SHA256=1` to force the built-in one.
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

    private static let k: [UInt32] = [
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
        0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
        0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
        0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
        0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
        0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
        0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
    ]

    /// The round constants, in memory that is never freed (read-only after start).
    private nonisolated(unsafe) static let table: UnsafeMutablePointer<UInt32> = {
        let p = UnsafeMutablePointer<UInt32>.allocate(capacity: 64)
        for i in 0..<64 { p[i] = k[i] }
        return p
    }()

    private struct State {
        var a: UInt32 = 0x6a09e667, b: UInt32 = 0xbb67ae85, c: UInt32 = 0x3c6ef372, d: UInt32 = 0xa54ff53a
        var e: UInt32 = 0x510e527f, f: UInt32 = 0x9b05688c, g: UInt32 = 0x1f83d9ab, h: UInt32 = 0x5be0cd19
    }

    @inline(__always)
    private static func compress(_ s: inout State, _ block: UnsafePointer<UInt8>, _ w: UnsafeMutablePointer<UInt32>,
                                 _ kp: UnsafePointer<UInt32>) {
        for i in 0..<16 {
            let p = block + i &* 4
            w[i] = UInt32(p[0]) << 24 | UInt32(p[1]) << 16 | UInt32(p[2]) << 8 | UInt32(p[3])
        }
        for i in 16..<64 {
            let x = w[i &- 15], y = w[i &- 2]
            let s0 = (x >> 7 | x << 25) ^ (x >> 18 | x << 14) ^ (x >> 3)
            let s1 = (y >> 17 | y << 15) ^ (y >> 19 | y << 13) ^ (y >> 10)
            w[i] = w[i &- 16] &+ s0 &+ w[i &- 7] &+ s1
        }
        var a = s.a, b = s.b, c = s.c, d = s.d, e = s.e, f = s.f, g = s.g, h = s.h
        for i in 0..<64 {
            let s1 = (e >> 6 | e << 26) ^ (e >> 11 | e << 21) ^ (e >> 25 | e << 7)
            let ch = (e & f) ^ (~e & g)
            let t1 = h &+ s1 &+ ch &+ kp[i] &+ w[i]
            let s0 = (a >> 2 | a << 30) ^ (a >> 13 | a << 19) ^ (a >> 22 | a << 10)
            let maj = (a & b) ^ (a & c) ^ (b & c)
            let t2 = s0 &+ maj
            h = g; g = f; f = e; e = d &+ t1
            d = c; c = b; b = a; a = t1 &+ t2
        }
        s.a = s.a &+ a; s.b = s.b &+ b; s.c = s.c &+ c; s.d = s.d &+ d
        s.e = s.e &+ e; s.f = s.f &+ f; s.g = s.g &+ g; s.h = s.h &+ h
    }

    /// Scratch memory for one thread: the message schedule (64 words) and the padded tail.
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
        let kp = UnsafePointer(table)
        let w = scratch.w, tail = scratch.tail
        var s = State()
        var offset = 0
        while offset &+ 64 <= count {
            compress(&s, data + offset, w, kp)
            offset &+= 64
        }
        let rest = count &- offset
        for i in 0..<rest { tail[i] = data[offset &+ i] }
        tail[rest] = 0x80
        let padded = rest < 56 ? 64 : 128
        for i in (rest &+ 1)..<padded { tail[i] = 0 }
        let bits = UInt64(count) &* 8
        for i in 0..<8 { tail[padded &- 1 &- i] = UInt8(truncatingIfNeeded: bits >> (UInt64(i) &* 8)) }
        compress(&s, UnsafePointer(tail), w, kp)
        if padded == 128 { compress(&s, UnsafePointer(tail + 64), w, kp) }
        let digits: StaticString = "0123456789abcdef"
        let dp = digits.utf8Start
        @inline(__always) func put(_ word: UInt32, at o: Int) {
            var shift: UInt32 = 28
            for j in 0..<8 {
                hexOut[o &+ j] = dp[Int((word >> shift) & 0xF)]
                shift &-= 4
            }
        }
        put(s.a, at: 0); put(s.b, at: 8); put(s.c, at: 16); put(s.d, at: 24)
        put(s.e, at: 32); put(s.f, at: 40); put(s.g, at: 48); put(s.h, at: 56)
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
