# `make install` layout and `cpack -G DEB` (packaging/README.md).
include(GNUInstallDirs)
install(TARGETS shoal RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(FILES packaging/systemd/shoal.service DESTINATION lib/systemd/user)
install(FILES README.md docs/user-guide.md docs/cli.md docs/api.md
        DESTINATION ${CMAKE_INSTALL_DOCDIR})

# shoal(1), generated from docs/cli.md (its one source) at build time: part of
# `all`, not of the `shoal` target (`make demo` builds only the binary).
# Installed gzipped, as Debian wants it.
find_package(Python3 REQUIRED COMPONENTS Interpreter)
set(SHOAL_MAN_PAGE ${PROJECT_BINARY_DIR}/man/shoal.1)
add_custom_command(
  OUTPUT ${SHOAL_MAN_PAGE} ${SHOAL_MAN_PAGE}.gz
  COMMAND ${CMAKE_COMMAND} -E make_directory ${PROJECT_BINARY_DIR}/man
  COMMAND Python3::Interpreter ${PROJECT_SOURCE_DIR}/packaging/man/cli_md_to_man.py
          --version ${PROJECT_VERSION} ${PROJECT_SOURCE_DIR}/docs/cli.md ${SHOAL_MAN_PAGE}
  DEPENDS ${PROJECT_SOURCE_DIR}/docs/cli.md ${PROJECT_SOURCE_DIR}/packaging/man/cli_md_to_man.py
  COMMENT "Generating the manual page shoal.1 from docs/cli.md"
  VERBATIM)
add_custom_target(man ALL DEPENDS ${SHOAL_MAN_PAGE} ${SHOAL_MAN_PAGE}.gz)
install(FILES ${SHOAL_MAN_PAGE}.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
# Bash completion, loaded on demand by the bash-completion package.
install(FILES packaging/completion/shoal.bash
        DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions RENAME shoal)

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
