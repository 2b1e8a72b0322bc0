# Every external dependency is found here and only here, as an imported
# target. packaging/install-deps.sh installs the matching Debian packages.
find_package(PkgConfig REQUIRED)
pkg_check_modules(sodium REQUIRED IMPORTED_TARGET libsodium>=1.0.18)
pkg_check_modules(libuv REQUIRED IMPORTED_TARGET libuv>=1.44)
pkg_check_modules(sqlite3 REQUIRED IMPORTED_TARGET sqlite3>=3.35)  # RETURNING
pkg_check_modules(xxhash REQUIRED IMPORTED_TARGET libxxhash>=0.8)   # XXH3-128
pkg_check_modules(zstd REQUIRED IMPORTED_TARGET libzstd>=1.4)
# The session's AEADs only (net/noise/cipher_state.h): OpenSSL 3's AES-GCM and
# ChaCha20-Poly1305 use AVX-512/VAES where the CPU has them, 2.5-3.5x
# libsodium's on this project's machines. libsodium keeps everything else.
pkg_check_modules(libcrypto REQUIRED IMPORTED_TARGET libcrypto>=3.0)

# xxHash's x86 runtime dispatch picks AVX2/AVX-512 when the CPU has them:
# about 3x the portable SSE2 path on cached data. Debian's libxxhash exports
# it; where it is missing, core/hash falls back to the portable functions.
include(CheckCSourceCompiles)
set(CMAKE_REQUIRED_LIBRARIES PkgConfig::xxhash)
check_c_source_compiles([[
#include <xxh_x86dispatch.h>
int main(void) { return (int)XXH3_128bits_withSeed_dispatch("", 0, 0).low64; }
]] SHOAL_HAVE_XXH_DISPATCH)
unset(CMAKE_REQUIRED_LIBRARIES)

# Header-only: CLI11 parses arguments, nlohmann/json reads and writes JSON.
find_package(CLI11 2 CONFIG REQUIRED)
find_package(nlohmann_json 3 CONFIG REQUIRED)
find_package(Threads REQUIRED)

if(BUILD_TESTING OR NOT DEFINED BUILD_TESTING)
  find_package(Catch2 2 CONFIG REQUIRED)
endif()
# Rendezvous (net/reach/rendezvous_client.h): HTTPS with a client
# certificate to a Syncthing discovery server. libcurl (OpenSSL flavour)
# rather than an HTTP client of our own; libssl for pinning the server's
# certificate inside the TLS handshake.
pkg_check_modules(libcurl REQUIRED IMPORTED_TARGET libcurl>=7.71)  # CURLOPT_SSLCERT_BLOB
pkg_check_modules(libssl REQUIRED IMPORTED_TARGET libssl>=3.0)
# Port mapping on home routers (net/reach/port_mapper.h): UPnP-IGD through
# miniupnpc, NAT-PMP through libnatpmp (Debian ships no .pc for it). Both are
# the reference client libraries of those protocols, from the author of
# miniupnpd; SSDP, SOAP and NAT-PMP of our own would be more code to get
# wrong against the same routers.
pkg_check_modules(miniupnpc REQUIRED IMPORTED_TARGET miniupnpc>=2.1)
find_library(NATPMP_LIBRARY natpmp REQUIRED)
find_path(NATPMP_INCLUDE_DIR natpmp.h REQUIRED)
# The web interface's HTTP server (net/http/http_server.h): libwebsockets on
# the daemon's own libuv loop (Debian builds it with LWS_WITH_LIBUV and ships
# the libuv event library, libwebsockets-evlib-uv). docs/architecture.md
# "Web interface" says why this library.
pkg_check_modules(libwebsockets REQUIRED IMPORTED_TARGET libwebsockets>=4.1)
