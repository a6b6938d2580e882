// The system's libcrypto (OpenSSL 3, Debian's libssl-dev): only its SHA-256 functions are used.
// They are marked deprecated since OpenSSL 3.0 in favour of the EVP interface, which costs
// about 30 ns more per short input (provider dispatch); the scorer hashes every log line, so
// the direct functions are kept. Should they go, `SHA256.swift` is the one place to change.
#define OPENSSL_SUPPRESS_DEPRECATED 1
#include <openssl/sha.h>
