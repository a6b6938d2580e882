// The system's libcrypto (OpenSSL 3, Debian's libssl-dev): only its EVP digest interface is used.
#include <openssl/evp.h>
