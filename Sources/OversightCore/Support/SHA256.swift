import CLibcrypto
import Foundation

/// SHA-256 (FIPS 180-4) from the system's libcrypto (OpenSSL 3; it uses the CPU's SHA
/// instructions), linked. The one implementation behind the session log's hash chain, the
/// study and question hashes, completion codes and the scorer's check of every line. Checked
/// against the standard test vectors in the tests.
///
/// Measured for the scorer, which hashes every line of every log (`oversight-bench score`,
/// CPU seconds to read and check 114 MB of logs, and the cost of one 300-byte line):
/// libcrypto's SHA256_Init/Update/Final 0.27 s (150 ns), its EVP interface 0.285 s (180 ns),
/// swift-crypto 0.31 s (its digests allocate twice per hash; its BoringSSL also adds minutes to
/// every clean build), a SHA-256 written in Swift 0.69 s.
public struct SHA256: Sendable {
    /// libcrypto's context: a plain C struct, so copies of a hasher are independent.
    private var context = SHA256_CTX()

    public init() {
        SHA256_Init(&context)
    }

    public mutating func update<S: Sequence>(_ bytes: S) where S.Element == UInt8 {
        let done: Void? = bytes.withContiguousStorageIfAvailable { buf in
            update(UnsafeRawBufferPointer(buf))
        }
        if done == nil {
            let array = Array(bytes)
            array.withUnsafeBytes { update($0) }
        }
    }

    public mutating func update(_ string: String) {
        var s = string
        s.withUTF8 { update(UnsafeRawBufferPointer($0)) }
    }

    /// Feed raw bytes.
    public mutating func update(_ raw: UnsafeRawBufferPointer) {
        if let base = raw.baseAddress, raw.count > 0 { SHA256_Update(&context, base, raw.count) }
    }

    /// The digest (32 bytes) of everything fed so far; the hasher then starts over.
    public mutating func finalize() -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        out.withUnsafeMutableBufferPointer { o in
            if let p = o.baseAddress { SHA256_Final(p, &context) }
        }
        SHA256_Init(&context)
        return out
    }

    /// Lower-case hex digest of some bytes.
    public static func hex<S: Sequence>(_ bytes: S) -> String where S.Element == UInt8 {
        var s = SHA256()
        s.update(bytes)
        return hexString(s.finalize())
    }

    /// Lower-case hex of a digest.
    public static func hexString(_ digest: [UInt8]) -> String {
        var out = [UInt8](repeating: 0, count: digest.count * 2)
        for (i, b) in digest.enumerated() {
            out[2 * i] = hexDigits[Int(b >> 4)]
            out[2 * i + 1] = hexDigits[Int(b & 0x0f)]
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Lower-case hex digest of a string's UTF-8 bytes.
    public static func hex(_ string: String) -> String { hex(Array(string.utf8)) }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    /// The digest of `count` bytes at `data`, as 64 lower-case hex digits written to `hexOut`,
    /// without allocating (the scorer's check of every log line).
    public static func hexDigest(_ data: UnsafePointer<UInt8>, count: Int, hexOut: UnsafeMutablePointer<UInt8>) {
        var context = SHA256_CTX()
        SHA256_Init(&context)
        if count > 0 { SHA256_Update(&context, data, count) }
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 32) { digest in
            guard let d = digest.baseAddress else { return }
            SHA256_Final(d, &context)
            let digits: StaticString = "0123456789abcdef"
            let dp = digits.utf8Start
            for i in 0..<32 {
                let b = d[i]
                hexOut[2 &* i] = dp[Int(b >> 4)]
                hexOut[2 &* i &+ 1] = dp[Int(b & 0xF)]
            }
        }
    }
}
