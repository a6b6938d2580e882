/// SHA-256 over a contiguous buffer, written for throughput (no per-byte copies, no
/// allocations in the compression loop). The scorer checks every log line's hash chain with it;
/// its digests are checked against the core `SHA256` in the tests.
enum FastSHA256 {
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

    /// The 32-byte digest of `count` bytes at `data`, written as 64 lower-case hex digits to `hexOut`.
    static func hexDigest(_ data: UnsafePointer<UInt8>, count: Int, hexOut: UnsafeMutablePointer<UInt8>) {
        var h0: UInt32 = 0x6a09e667, h1: UInt32 = 0xbb67ae85, h2: UInt32 = 0x3c6ef372, h3: UInt32 = 0xa54ff53a
        var h4: UInt32 = 0x510e527f, h5: UInt32 = 0x9b05688c, h6: UInt32 = 0x1f83d9ab, h7: UInt32 = 0x5be0cd19
        k.withUnsafeBufferPointer { kb in
            guard let kp = kb.baseAddress else { return }
            withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 64) { wb in
                guard let w = wb.baseAddress else { return }
                withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 128) { tb in
                    guard let tail = tb.baseAddress else { return }
                    func compress(_ block: UnsafePointer<UInt8>) {
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
                        var a = h0, b = h1, c = h2, d = h3, e = h4, f = h5, g = h6, hh = h7
                        for i in 0..<64 {
                            let s1 = (e >> 6 | e << 26) ^ (e >> 11 | e << 21) ^ (e >> 25 | e << 7)
                            let ch = (e & f) ^ (~e & g)
                            let t1 = hh &+ s1 &+ ch &+ kp[i] &+ w[i]
                            let s0 = (a >> 2 | a << 30) ^ (a >> 13 | a << 19) ^ (a >> 22 | a << 10)
                            let maj = (a & b) ^ (a & c) ^ (b & c)
                            let t2 = s0 &+ maj
                            hh = g; g = f; f = e; e = d &+ t1
                            d = c; c = b; b = a; a = t1 &+ t2
                        }
                        h0 = h0 &+ a; h1 = h1 &+ b; h2 = h2 &+ c; h3 = h3 &+ d
                        h4 = h4 &+ e; h5 = h5 &+ f; h6 = h6 &+ g; h7 = h7 &+ hh
                    }
                    var offset = 0
                    while offset &+ 64 <= count {
                        compress(data + offset)
                        offset &+= 64
                    }
                    let rest = count &- offset
                    for i in 0..<rest { tail[i] = data[offset &+ i] }
                    tail[rest] = 0x80
                    let padded = rest < 56 ? 64 : 128
                    for i in (rest &+ 1)..<padded { tail[i] = 0 }
                    let bits = UInt64(count) &* 8
                    for i in 0..<8 { tail[padded &- 1 &- i] = UInt8(truncatingIfNeeded: bits >> (UInt64(i) &* 8)) }
                    compress(UnsafePointer(tail))
                    if padded == 128 { compress(UnsafePointer(tail + 64)) }
                }
            }
        }
        let digits: StaticString = "0123456789abcdef"
        let dp = digits.utf8Start
        func put(_ word: UInt32, at o: Int) {
            var shift: UInt32 = 28
            for j in 0..<8 {
                hexOut[o &+ j] = dp[Int((word >> shift) & 0xF)]
                shift &-= 4
            }
        }
        put(h0, at: 0); put(h1, at: 8); put(h2, at: 16); put(h3, at: 24)
        put(h4, at: 32); put(h5, at: 40); put(h6, at: 48); put(h7, at: 56)
    }

    /// Lower-case hex digest of some bytes (convenience for tests and small inputs).
    static func hex(_ bytes: [UInt8]) -> String {
        var out = [UInt8](repeating: 0, count: 64)
        bytes.withUnsafeBufferPointer { b in
            out.withUnsafeMutableBufferPointer { o in
                guard let op = o.baseAddress else { return }
                if let bp = b.baseAddress {
                    hexDigest(bp, count: b.count, hexOut: op)
                } else {
                    var empty: UInt8 = 0
                    hexDigest(&empty, count: 0, hexOut: op)
                }
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
