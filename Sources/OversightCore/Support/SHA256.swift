import CLibcrypto
import Foundation

/// SHA-256 (FIPS 180-4) from the system's libcrypto (OpenSSL 3, through its EVP digest
/// interface; it uses the CPU's SHA instructions). The one implementation behind the session
/// log's hash chain, the study and question hashes, completion codes and the scorer's check
/// of every line. Checked against the standard test vectors in the tests.
///
/// `oversight-bench score` measured the choice: libcrypto reads and checks logs faster than
/// swift-crypto (whose digests allocate twice per hash) and builds in no time, where
/// swift-crypto's BoringSSL adds minutes to every clean build; a SHA-256 written in Swift
/// checked logs at less than half the speed.
public struct SHA256: Sendable {
    private var context: Context

    public init() {
        context = Context()
        context.reset()
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
        if !isKnownUniquelyReferenced(&context) { context = context.copy() }
        context.update(raw.baseAddress, raw.count)
    }

    /// The digest (32 bytes) of everything fed so far.
    public mutating func finalize() -> [UInt8] {
        if !isKnownUniquelyReferenced(&context) { context = context.copy() }
        var out = [UInt8](repeating: 0, count: 32)
        out.withUnsafeMutableBufferPointer { o in
            if let p = o.baseAddress { context.finish(into: p) }
        }
        context.reset()
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

    // MARK: - Many short inputs

    /// A digest context reused from input to input by one thread, for hashing many short
    /// inputs (every line of many logs) without allocating.
    public final class Reusable {
        private let context = Context()
        private let digest = UnsafeMutablePointer<UInt8>.allocate(capacity: 32)

        public init() {}
        deinit { digest.deallocate() }

        /// The digest of `count` bytes at `data`, as 64 lower-case hex digits written to `hexOut`.
        public func hexDigest(_ data: UnsafePointer<UInt8>, count: Int, hexOut: UnsafeMutablePointer<UInt8>) {
            context.reset()
            context.update(data, count)
            context.finish(into: digest)
            SHA256.hexDigits.withUnsafeBufferPointer { d in
                for i in 0..<32 {
                    let b = digest[i]
                    hexOut[2 &* i] = d[Int(b >> 4)]
                    hexOut[2 &* i &+ 1] = d[Int(b & 0xF)]
                }
            }
        }
    }

    /// One libcrypto digest context (`EVP_MD_CTX`).
    final class Context: @unchecked Sendable {
        /// The SHA-256 algorithm, fetched once (a fetch on every init would cost more than
        /// hashing a log line).
        nonisolated(unsafe) private static let algorithm: OpaquePointer? = EVP_MD_fetch(nil, "SHA256", nil) ?? EVP_sha256()

        private let ctx: OpaquePointer?

        init() { ctx = EVP_MD_CTX_new() }
        private init(copying other: OpaquePointer?) {
            ctx = EVP_MD_CTX_new()
            EVP_MD_CTX_copy_ex(ctx, other)
        }
        deinit { EVP_MD_CTX_free(ctx) }

        func copy() -> Context { Context(copying: ctx) }
        /// Start a new digest (reuses the context's memory).
        func reset() { EVP_DigestInit_ex2(ctx, Self.algorithm, nil) }
        func update(_ data: UnsafeRawPointer?, _ count: Int) {
            if count > 0 { EVP_DigestUpdate(ctx, data, count) }
        }
        func finish(into out: UnsafeMutablePointer<UInt8>) {
            var length: UInt32 = 0
            EVP_DigestFinal_ex(ctx, out, &length)
        }
    }
}
