# `make install` layout and `cpack -G DEB` (packaging/README.md).
include(GNUInstallDirs)
install(TARGETS shoal RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(FILES packaging/systemd/shoal.service DESTINATION lib/systemd/user)
install(FILES README.md docs/user-guide.md docs/cli.md docs/api.md
        DESTINATION ${CMAKE_INSTALL_DOCDIR})

set(CPACK_PACKAGE_NAME shoal)
set(CPACK_PACKAGE_VENDOR "Shoal")
set(CPACK_PACKAGE_CONTACT "Shoal developers <dev@shoal.invalid>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "Peer-to-peer folder sync, encrypted end to end")
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
# Library dependencies (libsodium, libcrypto, libuv, SQLite, zstd, xxHash) are read off
# the binary by dpkg-shlibdeps, so they match what it was linked against.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# libwebsockets loads its libuv event library at run time (dlopen), which
# dpkg-shlibdeps cannot see: the web interface needs it.
set(CPACK_DEBIAN_PACKAGE_DEPENDS "libwebsockets-evlib-uv")
set(CPACK_STRIP_FILES ON)
include(CPack)
